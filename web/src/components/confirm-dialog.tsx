import type { ComponentChildren } from 'preact';
import { Modal } from './modal.tsx';

/**
 * A modal question before a change that cannot be undone in one click, on the shared Modal (the
 * browser's `<dialog>`: focus stays inside, Escape cancels, the page behind is inert). Cancel has
 * the focus first, so a stray Enter changes nothing.
 */
export function ConfirmDialog({
  open,
  title,
  confirmLabel,
  onConfirm,
  onCancel,
  children,
}: {
  open: boolean;
  title: string;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  children: ComponentChildren;
}) {
  if (!open) return null;
  return (
    <Modal title={title} onClose={onCancel}>
      {children}
      <div class="actions">
        <button type="button" class="danger" onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" onClick={onCancel} autoFocus>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
