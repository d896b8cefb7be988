import { useState } from 'preact/hooks';
import { DEFAULT_HOOK_NAME, type Hook } from '../lib/hooks.ts';
import { Modal } from './modal.tsx';
import { StatusLine } from './status.tsx';

/** Asks before deleting a hook, and says what deleting it does. */
export function DeleteHookDialog({
  hook,
  onDelete,
  onClose,
}: {
  hook: Hook;
  /** Deletes; rejects with the API's error, which the dialog shows. */
  onDelete: () => Promise<void>;
  onClose: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const remove = async () => {
    setBusy(true);
    setFailure(null);
    try {
      await onDelete();
    } catch (error) {
      setFailure(`Not deleted: ${(error as Error).message}`);
      setBusy(false);
    }
  };
  return (
    <Modal title={`Delete “${hook.name}”?`} onClose={onClose}>
      <p>
        It stops receiving events now, and the deliveries still queued for it are cancelled. Past deliveries stay in the
        delivery log. This cannot be undone.
      </p>
      {hook.name === DEFAULT_HOOK_NAME && (
        <p>Members then no longer get deployment results by e-mail from it. You can re-create it later on this page.</p>
      )}
      <StatusLine message={failure} tone="error" />
      <div class="form-actions">
        <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
          {busy ? 'Deleting…' : 'Delete hook'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
