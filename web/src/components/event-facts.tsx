import { enc } from '../lib/api.ts';
import { formatTime } from '../lib/format.ts';

/** An event as GET /v1/organizations/{org}/events/{id} answers it. */
export interface EventRecord {
  readonly id: string;
  readonly seq: number;
  readonly type: string;
  readonly application: string | null;
  readonly addon: string | null;
  readonly occurred_at: string;
  readonly received_at: string;
  readonly data: Record<string, unknown>;
}

/** What an event was: its type, times, resource and data; `whyLink` adds the way to "why". */
export function EventFacts({ org, event, whyLink = true }: { org: string; event: EventRecord; whyLink?: boolean }) {
  return (
    <div class="event-facts">
      <dl class="facts">
        <dt>Type</dt>
        <dd>
          <span class="type-name">{event.type}</span>
        </dd>
        <dt>Event id</dt>
        <dd>
          <code>{event.id}</code>
        </dd>
        <dt>Occurred</dt>
        <dd>{formatTime(event.occurred_at)}</dd>
        <dt>Received</dt>
        <dd>{formatTime(event.received_at)}</dd>
        <dt>Application</dt>
        <dd>{event.application ?? '— (account event)'}</dd>
        {event.addon !== null && (
          <>
            <dt>Add-on</dt>
            <dd>{event.addon}</dd>
          </>
        )}
      </dl>
      <details class="event-data" open>
        <summary>Data</summary>
        <pre>{JSON.stringify(event.data, null, 2)}</pre>
      </details>
      {whyLink && (
        <p>
          <a href={`/organizations/${enc(org)}/events/${enc(event.id)}`}>Who got this event, who did not, and why →</a>
        </p>
      )}
    </div>
  );
}
