import { Card } from '../../components/Card.tsx';
import { useImmunizations } from './api.ts';
import { formatCoding, formatConcept, formatDate } from './fhir-display.ts';
import { ResourceSection } from './ResourceSection.tsx';

/** Vaccines given (or not given), newest first. */
export function ImmunizationsTab({ patientId }: { patientId: string }) {
  const immunizations = useImmunizations(patientId);
  return (
    <Card title="Immunizations">
      <ResourceSection search={immunizations} what="immunizations">
        {(rows) => (
          <table className="chart-table" data-testid="immunizations-table">
            <thead>
              <tr>
                <th scope="col">Vaccine</th>
                <th scope="col">Code</th>
                <th scope="col">Date</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((immunization) => (
                <tr key={immunization.id}>
                  <td>{formatConcept(immunization.vaccineCode)}</td>
                  <td>{formatCoding(immunization.vaccineCode.coding?.[0]) ?? '—'}</td>
                  <td>{formatDate(immunization.occurrenceDateTime ?? immunization.occurrenceString)}</td>
                  <td>{immunization.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ResourceSection>
    </Card>
  );
}
