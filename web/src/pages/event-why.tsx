import { useMemo } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { DeliveryStatusBadge } from '../components/delivery-status.tsx';
import { recipientOf } from '../components/delivery-table.tsx';
import { EventFacts, type EventRecord } from '../components/event-facts.tsx';
import { Loading } from '../components/status.tsx';
import { enc, query } from '../lib/api.ts';
import { channelLabel, type DeliveryStatus } from '../lib/deliveries.ts';
import { useAllPages } from '../lib/all-pages.ts';
import type { Hook } from '../lib/hooks.ts';
import { can, rolesWith } from '../lib/permissions.ts';
import { roleIn, useSession } from '../lib/session.ts';
import { useApi } from '../lib/use-api.ts';
import '../styles/deliveries.css';

/** One line of GET .../events/{id}/recipients: a delivery made, or a recipient passed over. */
interface Decision {
  readonly decision: 'deliver' | 'skip';
  readonly rule: string;
  readonly channel: string;
  readonly hook: string | null;
  readonly user: string | null;
  readonly address: string | null;
  readonly delivery?: { id: string; status: DeliveryStatus; attempts: number; last_error: string | null };
}

interface Recipients {
  readonly event: { readonly id: string; readonly seq: number; readonly type: string };
  readonly data: Decision[];
}

function DecisionTable({
  org,
  entries,
  hooks,
  linkDeliveries,
}: {
  org: string;
  entries: readonly Decision[];
  hooks: ReadonlyMap<string, Hook>;
  linkDeliveries: boolean;
}) {
  const delivered = entries.some((entry) => entry.delivery !== undefined);
  return (
    <table class="decisions">
      <thead>
        <tr>
          <th scope="col">Recipient</th>
          <th scope="col">Channel</th>
          <th scope="col">Rule</th>
          {delivered && <th scope="col">Delivery</th>}
        </tr>
      </thead>
      <tbody>
        {entries.map((entry, index) => (
          <tr key={index} data-decision={entry.decision} data-channel={entry.channel}>
            <td>{recipientOf(entry, hooks)}</td>
            <td>{channelLabel(entry.channel)}</td>
            <td class="rule">{entry.rule}</td>
            {delivered && (
              <td>
                {entry.delivery !== undefined &&
                  (linkDeliveries ? (
                    <a
                      href={`/organizations/${enc(org)}/deliveries/${enc(entry.delivery.id)}`}
                      title="Open this delivery and its attempts"
                    >
                      <DeliveryStatusBadge delivery={entry.delivery} />
                    </a>
                  ) : (
                    <DeliveryStatusBadge delivery={entry.delivery} />
                  ))}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * "Why": for one event, who got it (each delivery and the rule that made it), and who did not
 * (each hook or member and channel it passed over, and the rule that decided). A member whose
 * role does not read events sees the entries about themselves only, as the API allows.
 */
export function EventWhyPage() {
  const { params } = useRoute();
  const org = params['org']!;
  const id = params['id']!;
  const session = useSession();
  const role = roleIn(session, org);
  const readsEvents = can(role, 'events.read');
  const base = `/v1/organizations/${enc(org)}`;
  const recipients = useApi<Recipients>(
    `${base}/events/${enc(id)}/recipients${query({ include: 'skipped', user: readsEvents ? undefined : 'me' })}`,
  );
  const event = useApi<EventRecord>(readsEvents ? `${base}/events/${enc(id)}` : null);
  const hooks = useAllPages<Hook>(readsEvents ? `${base}/hooks` : null);
  const hooksById = useMemo(() => new Map((hooks.data ?? []).map((hook) => [hook.id, hook])), [hooks.data]);

  const entries = recipients.data?.data ?? [];
  const delivered = entries.filter((entry) => entry.decision === 'deliver');
  const skipped = entries.filter((entry) => entry.decision === 'skip');
  return (
    <main class="event-why">
      <h1>
        Why: <span class="type-name">{recipients.data?.event.type ?? event.data?.type ?? id}</span>
      </h1>
      <p class="lede">
        Who this event reached, who it did not, and the rule that decided each time. It is what routing decided when the
        event arrived.
      </p>
      {!readsEvents && (
        <p class="hint">Your role shows the entries about you only; {rolesWith('events.read')} see everyone.</p>
      )}
      {readsEvents &&
        (event.data === undefined ? (
          <Loading error={event.error} />
        ) : (
          <EventFacts org={org} event={event.data} whyLink={false} />
        ))}
      {recipients.data === undefined ? (
        <Loading error={recipients.error} />
      ) : (
        <>
          <section aria-labelledby="delivered-heading">
            <h2 id="delivered-heading">Delivered to ({delivered.length})</h2>
            {delivered.length === 0 ? (
              <p class="empty">Nobody: no hook or member setting asked for this event.</p>
            ) : (
              <DecisionTable org={org} entries={delivered} hooks={hooksById} linkDeliveries={readsEvents} />
            )}
          </section>
          <section aria-labelledby="skipped-heading">
            <h2 id="skipped-heading">Not delivered to ({skipped.length})</h2>
            {skipped.length === 0 ? (
              <p class="empty">Every hook and member that could receive it did.</p>
            ) : (
              <DecisionTable org={org} entries={skipped} hooks={hooksById} linkDeliveries={readsEvents} />
            )}
          </section>
        </>
      )}
    </main>
  );
}
