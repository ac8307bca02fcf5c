import { Card } from '../../components/Card.tsx';
import { tableRowCount, VirtualTableBody } from '../../components/VirtualTableBody.tsx';
import { useImmunizations } from './api.ts';
import { formatCoding, formatConcept, formatDate } from './fhir-display.ts';
import { ResourceSection } from './ResourceSection.tsx';

/** Vaccines given (or not given), newest first; virtualised, with the next FHIR page fetched at the end. */
export function ImmunizationsTab({ patientId }: { patientId: string }) {
  const immunizations = useImmunizations(patientId);
  return (
    <Card title="Immunizations">
      <ResourceSection search={immunizations} what="immunizations">
        {(rows) => (
          <div className="table-scroll">
            <table
              className="chart-table"
              data-testid="immunizations-table"
              aria-rowcount={tableRowCount(rows.length, immunizations.total, immunizations.hasNextPage)}
            >
              <thead>
                <tr aria-rowindex={1}>
                  <th scope="col">Vaccine</th>
                  <th scope="col">Code</th>
                  <th scope="col">Date</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <VirtualTableBody
                rows={rows}
                rowKey={(immunization) => immunization.id ?? ''}
                renderCells={(immunization) => (
                  <>
                    <td>{formatConcept(immunization.vaccineCode)}</td>
                    <td>{formatCoding(immunization.vaccineCode.coding?.[0]) ?? '—'}</td>
                    <td>{formatDate(immunization.occurrenceDateTime ?? immunization.occurrenceString)}</td>
                    <td>{immunization.status}</td>
                  </>
                )}
                estimateSize={38}
                hasMore={immunizations.canAutoFetch}
                onEndReached={() => void immunizations.fetchNextPage()}
              />
            </table>
          </div>
        )}
      </ResourceSection>
    </Card>
  );
}
