import { Card } from '../../components/Card.tsx';
import { AddProblemForm } from './AddProblemForm.tsx';
import { useConditions } from './api.ts';
import { onsetOf, sortConditions } from './clinical-lists.ts';
import { firstCode, formatCoding, formatConcept, formatDate } from './fhir-display.ts';
import { ResourceSection } from './ResourceSection.tsx';

/** The problem list (Condition) with an add-problem form. */
export function ProblemsTab({ patientId }: { patientId: string }) {
  const conditions = useConditions(patientId);
  return (
    <Card title="Problems">
      <AddProblemForm patientId={patientId} />
      <ResourceSection search={conditions} what="problems">
        {(rows) => (
          <table className="chart-table" data-testid="problems-table">
            <thead>
              <tr>
                <th scope="col">Problem</th>
                <th scope="col">Code</th>
                <th scope="col">Status</th>
                <th scope="col">Onset</th>
                <th scope="col">Resolved</th>
              </tr>
            </thead>
            <tbody>
              {sortConditions(rows).map((condition) => (
                <tr key={condition.id}>
                  <td>{formatConcept(condition.code)}</td>
                  <td>{formatCoding(condition.code?.coding?.[0]) ?? '—'}</td>
                  <td>{firstCode(condition.clinicalStatus) ?? '—'}</td>
                  <td>{formatDate(onsetOf(condition))}</td>
                  <td>{formatDate(condition.abatementDateTime ?? condition.abatementPeriod?.start)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ResourceSection>
    </Card>
  );
}
