import { Card } from '../../components/Card.tsx';
import { AddAllergyForm } from './AddAllergyForm.tsx';
import { useAllergies } from './api.ts';
import { formatReactions } from './clinical-lists.ts';
import { firstCode, formatCoding, formatConcept, formatDate } from './fhir-display.ts';
import { ResourceSection } from './ResourceSection.tsx';

/** Allergies and intolerances with an add-allergy form. */
export function AllergiesTab({ patientId }: { patientId: string }) {
  const allergies = useAllergies(patientId);
  return (
    <Card title="Allergies">
      <AddAllergyForm patientId={patientId} />
      <ResourceSection search={allergies} what="allergies">
        {(rows) => (
          <table className="chart-table" data-testid="allergies-table">
            <thead>
              <tr>
                <th scope="col">Substance</th>
                <th scope="col">Code</th>
                <th scope="col">Criticality</th>
                <th scope="col">Reaction</th>
                <th scope="col">Status</th>
                <th scope="col">Recorded</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((allergy) => (
                <tr key={allergy.id}>
                  <td>{formatConcept(allergy.code)}</td>
                  <td>{formatCoding(allergy.code?.coding?.[0]) ?? '—'}</td>
                  <td>{allergy.criticality ?? '—'}</td>
                  <td>{formatReactions(allergy)}</td>
                  <td>{firstCode(allergy.clinicalStatus) ?? '—'}</td>
                  <td>{formatDate(allergy.recordedDate)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ResourceSection>
    </Card>
  );
}
