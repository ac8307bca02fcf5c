import { keysOf } from './review-shortcuts.ts';

type DecisionBarProps = {
  /** Buttons are off while the review is decided or a decision is being sent. */
  canDecide: boolean;
  isSending: boolean;
  onLink: () => void;
  onNotAMatch: () => void;
  onMerge: () => void;
  onPrevious: (() => void) | undefined;
  onNext: (() => void) | undefined;
};

/** The reviewer's decisions and the queue navigation, each button labelled with its shortcut key. */
export function DecisionBar(props: DecisionBarProps) {
  const { canDecide, isSending } = props;
  const disabled = !canDecide || isSending;
  return (
    <div className="decision-bar">
      <div className="decision-bar__decisions" role="group" aria-label="Decision">
        <button
          type="button"
          className="button decision decision--link"
          onClick={props.onLink}
          disabled={disabled}
          aria-keyshortcuts={keysOf('link')}
        >
          <span className="decision__symbol" aria-hidden="true">
            ⇄
          </span>
          Link: same person
          <kbd aria-hidden="true">L</kbd>
        </button>
        <button
          type="button"
          className="button decision decision--separate"
          onClick={props.onNotAMatch}
          disabled={disabled}
          aria-keyshortcuts={keysOf('not-a-match')}
        >
          <span className="decision__symbol" aria-hidden="true">
            ≠
          </span>
          Not a match
          <kbd aria-hidden="true">N</kbd>
        </button>
        <button
          type="button"
          className="button decision decision--merge"
          onClick={props.onMerge}
          disabled={disabled}
          aria-keyshortcuts={keysOf('merge')}
          aria-haspopup="dialog"
        >
          <span className="decision__symbol" aria-hidden="true">
            ⤝
          </span>
          Merge…
          <kbd aria-hidden="true">M</kbd>
        </button>
        {isSending && (
          <span className="muted" aria-hidden="true">
            Saving…
          </span>
        )}
      </div>
      <div className="decision-bar__navigation" role="group" aria-label="Queue">
        <button
          type="button"
          className="button button--small"
          onClick={props.onPrevious}
          disabled={!props.onPrevious}
          aria-keyshortcuts={keysOf('previous')}
        >
          ← Previous <kbd aria-hidden="true">K</kbd>
        </button>
        <button
          type="button"
          className="button button--small"
          onClick={props.onNext}
          disabled={!props.onNext}
          aria-keyshortcuts={keysOf('next')}
        >
          Next → <kbd aria-hidden="true">J</kbd>
        </button>
      </div>
    </div>
  );
}
