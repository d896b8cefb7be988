import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import '../styles/forms.css';

/**
 * A modal dialog on the native `<dialog>` element: the browser traps focus inside it, Escape
 * closes it, and focus goes back to the button that opened it. It is open while mounted; the
 * owner unmounts it in `onClose`.
 */
export function Modal({
  title,
  onClose,
  children,
  wide = false,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current!;
    dialog.showModal();
    // close() before the element leaves the page, so the browser restores focus to the opener.
    return () => {
      if (dialog.open) dialog.close();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class={wide ? 'modal modal-wide' : 'modal'}
      aria-labelledby={titleId}
      onCancel={(event) => {
        // Escape: let the owner unmount it rather than the browser closing it under Preact.
        event.preventDefault();
        onClose();
      }}
    >
      <div class="modal-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="modal-close" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      {children}
    </dialog>
  );
}
