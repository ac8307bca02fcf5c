import type { PatientCard } from '@caregraph/core/domain';

/** One record of a pair in a queue row: the name, then birth date and source system. */
export function PatientSummary({ card }: { card: PatientCard }) {
  const facts = [card.birthDate ? `born ${card.birthDate}` : 'no birth date', card.source || 'unknown source'];
  return (
    <span className="patient-summary">
      <span className="patient-summary__name">{card.name || 'Unnamed patient'}</span>
      <span className="patient-summary__facts muted">{facts.join(' · ')}</span>
    </span>
  );
}
