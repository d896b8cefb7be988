import { useId, useState } from 'preact/hooks';
import type { Hook } from '../lib/hooks.ts';
import { Modal } from './modal.tsx';
import { StatusLine } from './status.tsx';

const OVERLAPS = [
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours (recommended)' },
  { seconds: 604_800, label: '7 days' },
  { seconds: 0, label: 'None: stop the current secret now (it leaked)' },
] as const;

/**
 * "Rotate secret": a new signing secret for a webhook. The current one keeps signing beside it
 * for the overlap chosen here, so a receiver can switch without refusing a genuine request.
 */
export function RotateSecretDialog({
  hook,
  onRotate,
  onClose,
}: {
  hook: Hook;
  /** Rotates; rejects with the API's error, which the dialog shows. */
  onRotate: (overlapSeconds: number) => Promise<void>;
  onClose: () => void;
}) {
  const [overlap, setOverlap] = useState(86_400);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const selectId = useId();
  const rotate = async () => {
    setBusy(true);
    setFailure(null);
    try {
      await onRotate(overlap);
    } catch (error) {
      setFailure(`Not rotated: ${(error as Error).message}`);
      setBusy(false);
    }
  };
  return (
    <Modal title={`Rotate the signing secret of “${hook.name}”`} onClose={onClose}>
      <p>
        Clarion makes a new secret and shows it once. During the overlap, every request carries two signatures in its{' '}
        <code>webhook-signature</code> header, one with the previous secret and one with the new, so your receiver keeps
        accepting requests while you give it the new secret. After the overlap only the new secret signs.
      </p>
      <div class="field">
        <label for={selectId}>Overlap: the previous secret keeps signing for</label>
        <select
          id={selectId}
          value={String(overlap)}
          onChange={(event) => setOverlap(Number(event.currentTarget.value))}
        >
          {OVERLAPS.map((option) => (
            <option key={option.seconds} value={String(option.seconds)}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      <StatusLine message={failure} tone="error" />
      <div class="form-actions">
        <button type="button" class="primary" disabled={busy} onClick={() => void rotate()}>
          {busy ? 'Rotating…' : 'Rotate secret'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
