import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

type ModalDialogProps = {
  open: boolean;
  title: string;
  onClose: () => void;
  /** Keys handled inside the dialog (a dialog's own shortcuts); Escape always closes it. */
  onKeyDown?: (event: KeyboardEvent<HTMLDialogElement>) => void;
  children: ReactNode;
};

/**
 * A modal on the native `<dialog>`: the browser keeps focus inside it, closes it on Escape and
 * returns focus to where it was, and marks the rest of the page inert while it is open. The
 * control marked `data-autofocus` gets focus on opening.
 */
export function ModalDialog({ open, title, onClose, onKeyDown, children }: ModalDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) {
      return;
    }
    if (open && !dialog.open) {
      dialog.showModal();
      // The dialog was in the page all along, so React's autoFocus has long run; focus its chosen control now.
      dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);
  return (
    <dialog ref={ref} className="modal" aria-labelledby={headingId} onClose={onClose} onKeyDown={onKeyDown}>
      <div className="modal__header">
        <h2 id={headingId}>{title}</h2>
        <button type="button" className="button button--small" onClick={onClose}>
          Close<span className="mpi-sr-only"> {title}</span>
        </button>
      </div>
      {children}
    </dialog>
  );
}
