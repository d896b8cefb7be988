import { useState } from 'preact/hooks';
import { api } from '../lib/api.ts';
import { describeCell, explicitCells } from '../lib/application-cells.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';
import type { Matrix } from './preference-matrix.tsx';
import { StatusLine } from './status.tsx';

/**
 * "Reset to account settings": clears every cell set for the application, after a confirmation
 * that lists them. `PUT` of an empty matrix clears the whole level in one transaction.
 */
export function ResetToAccount({
  matrix,
  basePath,
  applicationName,
  onChange,
}: {
  matrix: Matrix;
  /** `.../members/{user}/applications/{app}/preferences` */
  basePath: string;
  applicationName: string;
  onChange: (matrix: Matrix) => void;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ message: string; tone: 'ok' | 'error' } | null>(null);
  const overrides = explicitCells(matrix);

  const reset = async () => {
    setAsking(false);
    setBusy(true);
    try {
      onChange(await api<Matrix>('PUT', basePath, {}));
      setStatus({
        message: `Reset: ${overrides.length} ${overrides.length === 1 ? 'setting' : 'settings'} of ${applicationName} follow the account again.`,
        tone: 'ok',
      });
    } catch (error) {
      setStatus({ message: `Not reset: ${(error as Error).message}`, tone: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="tool reset-to-account">
      <button
        type="button"
        class="danger"
        disabled={busy || overrides.length === 0}
        aria-describedby={overrides.length === 0 ? 'reset-nothing' : undefined}
        onClick={() => setAsking(true)}
      >
        Reset to account settings
      </button>
      {overrides.length === 0 && (
        <span class="hint" id="reset-nothing">
          Nothing to reset: every setting here already follows the account.
        </span>
      )}
      <StatusLine message={status?.message ?? null} tone={status?.tone ?? 'ok'} />
      <ConfirmDialog
        open={asking}
        title={`Reset ${applicationName} to the account settings?`}
        confirmLabel="Reset to account settings"
        onConfirm={() => void reset()}
        onCancel={() => setAsking(false)}
      >
        <p>
          {overrides.length === 1 ? 'This setting' : `These ${overrides.length} settings`} will be cleared, and{' '}
          {applicationName}'s events will follow the account notifications again:
        </p>
        <ul class="cell-list">
          {overrides.map((cell) => (
            <li key={`${cell.eventType}/${cell.channel}`}>{describeCell(cell)}</li>
          ))}
        </ul>
      </ConfirmDialog>
    </div>
  );
}
