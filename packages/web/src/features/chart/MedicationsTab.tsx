import type { Dosage } from '@caregraph/core/fhir';
import { Card } from '../../components/Card.tsx';
import { AddMedicationForm } from './AddMedicationForm.tsx';
import { useMedicationRequests, useMedicationStatements } from './api.ts';
import { medicationName } from './clinical-lists.ts';
import { formatDate, formatPeriod } from './fhir-display.ts';
import { ResourceSection } from './ResourceSection.tsx';

function formatDosage(dosage: readonly Dosage[] | undefined): string {
  const texts = (dosage ?? []).flatMap((item) => (item.text ? [item.text] : []));
  return texts.length > 0 ? texts.join('; ') : '—';
}

/** Prescriptions (MedicationRequest) and reported medications (MedicationStatement), with an add form. */
export function MedicationsTab({ patientId }: { patientId: string }) {
  const requests = useMedicationRequests(patientId);
  const statements = useMedicationStatements(patientId);
  return (
    <Card title="Medications">
      <AddMedicationForm patientId={patientId} />
      <h3 className="chart-subheading">Prescriptions</h3>
      <ResourceSection search={requests} what="prescriptions">
        {(rows) => (
          <table className="chart-table" data-testid="medication-requests-table">
            <thead>
              <tr>
                <th scope="col">Medication</th>
                <th scope="col">Status</th>
                <th scope="col">Intent</th>
                <th scope="col">Prescribed</th>
                <th scope="col">Dosage</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((request) => (
                <tr key={request.id}>
                  <td>{medicationName(request, requests.included)}</td>
                  <td>{request.status}</td>
                  <td>{request.intent}</td>
                  <td>{formatDate(request.authoredOn)}</td>
                  <td>{formatDosage(request.dosageInstruction)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ResourceSection>
      <h3 className="chart-subheading">Reported by the patient or others</h3>
      <ResourceSection search={statements} what="medication statements">
        {(rows) => (
          <table className="chart-table" data-testid="medication-statements-table">
            <thead>
              <tr>
                <th scope="col">Medication</th>
                <th scope="col">Status</th>
                <th scope="col">Taken</th>
                <th scope="col">Dosage</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((statement) => (
                <tr key={statement.id}>
                  <td>{medicationName(statement, statements.included)}</td>
                  <td>{statement.status}</td>
                  <td>
                    {statement.effectiveDateTime
                      ? formatDate(statement.effectiveDateTime)
                      : formatPeriod(statement.effectivePeriod)}
                  </td>
                  <td>{formatDosage(statement.dosage)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </ResourceSection>
    </Card>
  );
}
