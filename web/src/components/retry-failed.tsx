import { useState } from 'preact/hooks';
import { api, enc } from '../lib/api.ts';
import { formatTime } from '../lib/format.ts';
import { StatusLine } from './status.tsx';

/**
 * "Re-send all failed in this range": asks first (saying how many and when), then re-queues them
 * through the API and says how many went, and how many stayed because their hook is disabled.
 */
export function RetryFailed({
  org,
  failed,
  selectors,
  since,
  until,
  onDone,
}: {
  org: string;
  /** How many failed deliveries the view holds (from the stats); the button is off at 0. */
  failed: number;
  /** The view's filters besides status and time, as the API names them. */
  selectors: Record<string, string | undefined>;
  since: string;
  until: string;
  onDone: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ message: string; tone: 'ok' | 'error' } | null>(null);

  const resend = async () => {
    setBusy(true);
    try {
      const body = Object.fromEntries(
        Object.entries({ ...selectors, since, until }).filter(([, v]) => v !== undefined),
      );
      const answer = await api<{ requeued: number; skipped: number }>(
        'POST',
        `/v1/organizations/${enc(org)}/deliveries/retry`,
        body,
      );
      const sent = `${answer.requeued} failed ${answer.requeued === 1 ? 'delivery' : 'deliveries'} re-queued.`;
      const left =
        answer.skipped === 0
          ? ''
          : ` ${answer.skipped} left as they are: their hook is disabled or deleted (enable it, then re-send).`;
      setStatus({ message: sent + left, tone: 'ok' });
      setAsking(false);
      onDone();
    } catch (error) {
      setStatus({ message: `Not re-sent: ${(error as Error).message}`, tone: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="retry-failed">
      {asking ? (
        <div class="confirm" role="group" aria-label="Confirm re-sending">
          <p>
            Re-send the {failed} failed {failed === 1 ? 'delivery' : 'deliveries'} created between {formatTime(since)}{' '}
            and {formatTime(until)} that these filters show? Each starts a new schedule of attempts.
          </p>
          <button type="button" class="primary" disabled={busy} onClick={() => void resend()}>
            Re-send {failed}
          </button>{' '}
          <button type="button" disabled={busy} onClick={() => setAsking(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button
          type="button"
          disabled={failed === 0}
          title={failed === 0 ? 'No failed delivery in this view' : undefined}
          onClick={() => {
            setStatus(null);
            setAsking(true);
          }}
        >
          Re-send all failed in this range…
        </button>
      )}
      <StatusLine message={status?.message ?? null} tone={status?.tone ?? 'ok'} />
    </div>
  );
}
