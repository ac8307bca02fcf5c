import { Fragment, useEffect, useId, useRef } from 'react';
import { groupShortcuts, parseKeys, type Shortcut } from './shortcut-keys.ts';
import './shortcuts.css';

type ShortcutHelpProps = { shortcuts: readonly Shortcut[]; isOpen: boolean; onClose: () => void };

/** The keys as pressed: `g p` reads "g then p". */
function Keys({ keys }: { keys: string }) {
  const parts = parseKeys(keys);
  return (
    <>
      {parts.map((key, index) => (
        <Fragment key={index}>
          {index > 0 && <span className="muted"> then </span>}
          <kbd>{key}</kbd>
        </Fragment>
      ))}
    </>
  );
}

/**
 * The list of keyboard shortcuts in a modal dialog: the browser's `<dialog>` keeps focus inside,
 * closes on Escape and gives focus back to where it was.
 */
export function ShortcutHelp({ shortcuts, isOpen, onClose }: ShortcutHelpProps) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) {
      return;
    }
    if (isOpen && !dialog.open) {
      dialog.showModal();
    } else if (!isOpen && dialog.open) {
      dialog.close();
    }
  }, [isOpen]);
  return (
    <dialog
      ref={dialogRef}
      className="shortcut-help"
      aria-labelledby={headingId}
      onClose={onClose}
      onClick={(event) => {
        // A click on the backdrop (the dialog element itself, outside its content) closes it.
        if (event.target === dialogRef.current) {
          onClose();
        }
      }}
    >
      <div className="shortcut-help__content">
        <div className="shortcut-help__header">
          <h2 id={headingId}>Keyboard shortcuts</h2>
          <button type="button" className="button button--small" onClick={onClose}>
            Close
          </button>
        </div>
        <p className="muted">Shortcuts do nothing while you type in a field.</p>
        {isOpen &&
          groupShortcuts(shortcuts).map(({ group, shortcuts: entries }) => (
            <section key={group} aria-label={group}>
              <h3>{group}</h3>
              <dl className="shortcut-help__list">
                {entries.map((shortcut) => (
                  <div key={shortcut.keys} className="shortcut-help__item">
                    <dt>
                      <Keys keys={shortcut.keys} />
                    </dt>
                    <dd>{shortcut.description}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
      </div>
    </dialog>
  );
}
