import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { DeliveryStatusBadge } from '../components/delivery-status.tsx';
import { recipientOf } from '../components/delivery-table.tsx';
import { EventFacts, type EventRecord } from '../components/event-facts.tsx';
import { Loading, StatusLine } from '../components/status.tsx';
import { api, enc } from '../lib/api.ts';
import { canResend, channelLabel, type Delivery, type DeliveryDetail } from '../lib/deliveries.ts';
import type { Hook } from '../lib/hooks.ts';
import { formatDuration, formatTime } from '../lib/format.ts';
import { can, rolesWith } from '../lib/permissions.ts';
import { roleIn, useSession } from '../lib/session.ts';
import { useApi } from '../lib/use-api.ts';
import '../styles/deliveries.css';

/** While a delivery is in the queue the page looks again this often, to show how it ends. */
const WATCH_MS = 1000;

/** An attempt's outcome (the channel's classification) in words. */
const OUTCOME_WORDS: Record<string, string> = {
  sent: 'Sent',
  retry: 'Temporary failure',
  failed: 'Failed (not worth retrying)',
  gone: 'Gone (the target no longer exists)',
};

function AttemptsTable({ delivery }: { delivery: DeliveryDetail }) {
  if (delivery.attempts_log.length === 0) return <p class="empty">No attempt yet: it is waiting for its first.</p>;
  return (
    <table class="attempts">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Started</th>
          <th scope="col">Duration</th>
          <th scope="col">Outcome</th>
          <th scope="col">Status code</th>
          <th scope="col">Error or answer</th>
        </tr>
      </thead>
      <tbody>
        {delivery.attempts_log.map((attempt, index) => (
          <tr key={index} data-outcome={attempt.outcome}>
            <td class="number">{attempt.attempt}</td>
            <td>{formatTime(attempt.started_at)}</td>
            <td class="number">{formatDuration(attempt.latency_ms)}</td>
            <td>
              <span class={`attempt-outcome attempt-${attempt.outcome}`}>
                {OUTCOME_WORDS[attempt.outcome] ?? attempt.outcome}
              </span>
            </td>
            <td class="number">{attempt.status_code ?? '—'}</td>
            <td class="last-answer">{attempt.error ?? attempt.response_excerpt ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * One delivery: who it was for and why, every attempt (a re-send starts a new numbering and
 * keeps the earlier ones), the event it carries with a link to "why", and a re-send button.
 */
export function DeliveryDetailPage() {
  const { params, query } = useRoute();
  const org = params['org']!;
  const id = params['id']!;
  const session = useSession();
  const role = roleIn(session, org);
  const mayResend = can(role, 'deliveries.write');
  const base = `/v1/organizations/${enc(org)}`;
  const delivery = useApi<DeliveryDetail>(`${base}/deliveries/${enc(id)}`);
  const event = useApi<EventRecord>(
    delivery.data === undefined ? null : `${base}/events/${enc(delivery.data.event.id)}`,
  );
  const hookId = delivery.data?.hook ?? null;
  const hook = useApi<Hook>(hookId === null ? null : `${base}/hooks/${enc(hookId)}`);
  const [status, setStatus] = useState<{ message: string; tone: 'ok' | 'error' } | null>(null);
  const [busy, setBusy] = useState(false);
  // Only a query the log wrote: it starts with "?".
  const back = query['back']?.startsWith('?') === true ? query['back'] : '';

  const current = delivery.data;
  const inQueue = current !== undefined && !canResend(current);
  // A disabled button says why.
  const cannotResend = !mayResend
    ? `Only ${rolesWith('deliveries.write')} can re-send deliveries.`
    : inQueue
      ? 'It is still in the queue: it can be re-sent once it has finished.'
      : null;
  useEffect(() => {
    if (!inQueue) return;
    const timer = setTimeout(() => delivery.reload(), WATCH_MS);
    return () => clearTimeout(timer);
  }, [current, inQueue]);

  const resend = async () => {
    setBusy(true);
    try {
      await api<Delivery>('POST', `${base}/deliveries/${enc(id)}/retry`);
      setStatus({ message: 'Re-sent: a new attempt is on its way.', tone: 'ok' });
      delivery.reload();
    } catch (error) {
      setStatus({ message: `Not re-sent: ${(error as Error).message}`, tone: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="delivery-detail">
      <p class="breadcrumb">
        <a href={`/organizations/${enc(org)}/deliveries${back}`}>← Delivery log</a>
      </p>
      {current === undefined ? (
        <Loading error={delivery.error} />
      ) : (
        <>
          <h1>
            Delivery of <span class="type-name">{current.event.type}</span> <DeliveryStatusBadge delivery={current} />
          </h1>
          <dl class="facts">
            <dt>To</dt>
            <dd>
              {recipientOf(current, new Map(hook.data === undefined ? [] : [[hook.data.id, hook.data]]))} by{' '}
              {channelLabel(current.channel)}
            </dd>
            <dt>Why</dt>
            <dd>{current.reason}</dd>
            <dt>Created</dt>
            <dd>{formatTime(current.created_at)}</dd>
            {current.finished_at !== null && (
              <>
                <dt>Finished</dt>
                <dd>{formatTime(current.finished_at)}</dd>
              </>
            )}
            {current.next_attempt_at !== null && (
              <>
                <dt>Next attempt</dt>
                <dd>{formatTime(current.next_attempt_at)}</dd>
              </>
            )}
            <dt>Delivery id</dt>
            <dd>
              <code>{current.id}</code>
            </dd>
          </dl>
          <div class="resend">
            <button
              type="button"
              class="primary"
              disabled={busy || cannotResend !== null}
              aria-describedby={cannotResend === null ? undefined : 'resend-why'}
              onClick={() => void resend()}
            >
              Re-send
            </button>
            {cannotResend !== null && (
              <span id="resend-why" class="hint-inline">
                {cannotResend}
              </span>
            )}
            <StatusLine message={status?.message ?? null} tone={status?.tone ?? 'ok'} />
          </div>
          <h2>Attempts</h2>
          <AttemptsTable delivery={current} />
          <h2>Event</h2>
          {event.data === undefined ? <Loading error={event.error} /> : <EventFacts org={org} event={event.data} />}
        </>
      )}
    </main>
  );
}
