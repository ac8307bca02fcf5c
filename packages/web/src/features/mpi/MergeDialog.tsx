import type { PatientCard } from '@caregraph/core/domain';
import type { KeyboardEvent } from 'react';
import { ModalDialog } from './ModalDialog.tsx';

type MergeDialogProps = {
  open: boolean;
  a: PatientCard;
  b: PatientCard;
  onMerge: (survivor: 'a' | 'b') => void;
  onClose: () => void;
};

function SurvivorButton({
  side,
  card,
  onMerge,
}: {
  side: 'a' | 'b';
  card: PatientCard;
  onMerge: (side: 'a' | 'b') => void;
}) {
  return (
    <button
      type="button"
      className="survivor"
      onClick={() => onMerge(side)}
      aria-keyshortcuts={side}
      data-autofocus={side === 'a' ? true : undefined}
    >
      <span className="survivor__title">
        Keep record {side.toUpperCase()}
        <kbd aria-hidden="true">{side.toUpperCase()}</kbd>
      </span>
      <span className="survivor__name">{card.name || 'Unnamed patient'}</span>
      <span className="muted">
        {[card.birthDate ? `born ${card.birthDate}` : 'no birth date', card.source || 'unknown source'].join(' · ')}
      </span>
    </button>
  );
}

/** Asks which of the two records survives a merge; `A` or `B` picks with the keyboard. */
export function MergeDialog({ open, a, b, onMerge, onClose }: MergeDialogProps) {
  const onKeyDown = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    const key = event.key.toLowerCase();
    if (key === 'a' || key === 'b') {
      event.preventDefault();
      onMerge(key);
    }
  };
  return (
    <ModalDialog open={open} title="Merge the two records" onClose={onClose} onKeyDown={onKeyDown}>
      <p>
        Choose the record that survives. The other one is marked as replaced by it, and its clinical data follows the
        survivor. A merge can be undone.
      </p>
      <div className="survivor-choice">
        <SurvivorButton side="a" card={a} onMerge={onMerge} />
        <SurvivorButton side="b" card={b} onMerge={onMerge} />
      </div>
    </ModalDialog>
  );
}
