import { Card } from '../../components/Card.tsx';
import { useEncounters } from './api.ts';
import { formatConcept, formatPeriod } from './fhir-display.ts';
import { ResourceSection } from './ResourceSection.tsx';

/** Visits, newest first. */
export function EncountersTab({ patientId }: { patientId: string }) {
  const encounters = useEncounters(patientId);
  return (
    <Card title="Encounters">
      <ResourceSection search={encounters} what="encounters">
        {(rows) => (
          <table className="chart-table" data-testid="encounters-table">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Class</th>
                <th scope="col">When</th>
                <th scope="col">Reason</th>
                <th scope="col">Where</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((encounter) => (
                <tr key={encounter.id}>
                  <td>{formatConcept(encounter.type?.[0])}</td>
                  <td>{encounter.class.display ?? encounter.class.code ?? '—'}</td>
                  <td>{formatPeriod(encounter.period)}</td>
                  <td>{encounter.reasonCode?.map((reason) => formatConcept(reason)).join(', ') || '—'}</td>
                  <td>{encounter.serviceProvider?.display ?? encounter.location?.[0]?.location.display ?? '—'}</td>
                  <td>{encounter.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ResourceSection>
    </Card>
  );
}
