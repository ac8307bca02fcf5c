import { describeWeight, formatWeight, weightBar } from './review-display.ts';

/**
 * A field's match weight (log2 Bayes factor): a bar growing right from the centre for evidence
 * for a match and left for evidence against it, with the signed number beside it.
 */
export function WeightBar({ weight, scale }: { weight: number; scale: number }) {
  const bar = weightBar(weight, scale);
  return (
    <span className="weight" title={describeWeight(weight)}>
      <span className="weight__track" aria-hidden="true">
        <span className={`weight__bar weight__bar--${bar.direction}`} style={{ width: `${bar.percent / 2}%` }} />
      </span>
      <span className="weight__value" aria-hidden="true">
        {formatWeight(weight)}
      </span>
      <span className="mpi-sr-only">{describeWeight(weight)}</span>
    </span>
  );
}
