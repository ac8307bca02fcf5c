import { StatusBadge } from '../../components/StatusBadge.tsx';
import { formatProbability, gradeDisplay } from './review-display.ts';

/** A pair's match probability with its grade, as the queue and the comparison show it. */
export function MatchScore({ probability, grade }: { probability: number; grade: string }) {
  const display = gradeDisplay(grade);
  return (
    <span className="match-score">
      <span className="match-score__probability">{formatProbability(probability)}</span>
      <StatusBadge tone={display.tone}>{display.label}</StatusBadge>
    </span>
  );
}
