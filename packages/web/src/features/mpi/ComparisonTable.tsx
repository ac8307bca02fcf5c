import type { ReviewDetail } from '@caregraph/core/domain';
import { Link } from 'react-router';
import { AgreementMark } from './AgreementMark.tsx';
import {
  absentFields,
  comparisonRows,
  formatProbability,
  levelLabel,
  priorWeight,
  weightScale,
} from './review-display.ts';
import { WeightBar } from './WeightBar.tsx';

function RecordHeading({ side, review }: { side: 'a' | 'b'; review: ReviewDetail }) {
  const card = review[side];
  return (
    <th scope="col" className="comparison__record">
      <span className="comparison__side">Record {side.toUpperCase()}</span>
      <span className="comparison__name">{card.name || 'Unnamed patient'}</span>
      <Link to={`/patients/${encodeURIComponent(card.id)}`} className="comparison__chart-link">
        Open chart<span className="mpi-sr-only"> of record {side.toUpperCase()}</span>
      </Link>
    </th>
  );
}

function Value({ value }: { value: string | undefined }) {
  return value === undefined ? <span className="muted comparison__none">not recorded</span> : <>{value}</>;
}

/**
 * The two records side by side, one row per field the matcher compared: both values, how they
 * agreed, and the field's weight on one shared scale, so the strongest evidence stands out.
 */
export function ComparisonTable({ review }: { review: ReviewDetail }) {
  const rows = comparisonRows(review);
  const absent = absentFields(review.fields);
  const prior = priorWeight(review);
  // The prior is usually the largest weight of all; scaled by the fields only, their bars stay readable.
  const scale = weightScale(review.fields);
  return (
    <div className="table-scroll">
      <table className="comparison" data-testid="review-comparison">
        <caption className="mpi-sr-only">
          Field-by-field comparison of record A and record B, with each field's agreement and match weight
        </caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <RecordHeading side="a" review={review} />
            <RecordHeading side="b" review={review} />
            <th scope="col">Comparison</th>
            <th scope="col">
              Weight <span className="muted comparison__unit">(log₂ Bayes factor)</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.key}
              className={row.score ? `comparison__row comparison__row--${row.score.agreement}` : 'comparison__row'}
              data-agreement={row.score?.agreement ?? 'unscored'}
            >
              <th scope="row">{row.label}</th>
              <td>
                <Value value={row.a} />
              </td>
              <td>
                <Value value={row.b} />
              </td>
              <td>
                {row.score ? (
                  <>
                    <AgreementMark agreement={row.score.agreement} />
                    {row.score.level && <span className="comparison__level muted">{levelLabel(row.score.level)}</span>}
                  </>
                ) : (
                  <span className="muted">not scored</span>
                )}
              </td>
              <td>{row.score && <WeightBar weight={row.score.weight} scale={scale} />}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          {absent.length > 0 && (
            <tr className="comparison__absent">
              <th scope="row">Not on either record</th>
              <td colSpan={3} className="muted">
                {absent.join(', ')}
              </td>
              <td>
                <WeightBar weight={0} scale={scale} />
              </td>
            </tr>
          )}
          <tr className="comparison__prior">
            <th scope="row">Prior</th>
            <td colSpan={3} className="muted">
              Where any two records start: a random pair is rarely the same patient
            </td>
            <td>
              <WeightBar weight={prior} scale={scale} />
            </td>
          </tr>
          <tr className="comparison__total">
            <th scope="row">Total</th>
            <td colSpan={3}>
              Match probability <strong>{formatProbability(review.probability)}</strong>
            </td>
            <td>
              <WeightBar weight={review.weight} scale={scale} />
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
