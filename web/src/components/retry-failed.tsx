import { useState } from 'preact/hooks';
import { api, enc } from '../lib/api.ts';
import { formatTime } from '../lib/format.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';
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
  const deliveries = (n: number) => `${n} failed ${n === 1 ? 'delivery' : 'deliveries'}`;

  const resend = async () => {
    setAsking(false);
    setBusy(true);
    setStatus({ message: 'Re-sending…', tone: 'ok' });
    try {
      const body = Object.fromEntries(
        Object.entries({ ...selectors, since, until }).filter(([, v]) => v !== undefined),
      );
      const answer = await api<{ requeued: number; skipped: number }>(
        'POST',
        `/v1/organizations/${enc(org)}/deliveries/retry`,
        body,
      );
      const left =
        answer.skipped === 0
          ? ''
          : ` ${answer.skipped} left as they are: their hook is disabled or deleted (enable it, then re-send).`;
      setStatus({ message: `${deliveries(answer.requeued)} re-queued.${left}`, tone: 'ok' });
      onDone();
    } catch (error) {
      setStatus({ message: `Not re-sent: ${(error as Error).message}`, tone: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="retry-failed">
      <button
        type="button"
        disabled={failed === 0 || busy}
        title={failed === 0 ? 'No failed delivery in this view' : undefined}
        onClick={() => {
          setStatus(null);
          setAsking(true);
        }}
      >
        Re-send all failed in this range…
      </button>
      <ConfirmDialog
        open={asking}
        title={`Re-send ${deliveries(failed)}?`}
        confirmLabel={`Re-send ${failed}`}
        onConfirm={() => void resend()}
        onCancel={() => setAsking(false)}
      >
        <p>
          The {deliveries(failed)} created between {formatTime(since)} and {formatTime(until)} that these filters show
          are sent again, each with a new schedule of attempts. Deliveries of a disabled hook stay as they are.
        </p>
      </ConfirmDialog>
      <StatusLine message={status?.message ?? null} tone={status?.tone ?? 'ok'} />
    </div>
  );
}
