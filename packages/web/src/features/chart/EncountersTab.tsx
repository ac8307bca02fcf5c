import type { Encounter } from '@caregraph/core/fhir';
import { Card } from '../../components/Card.tsx';
import { tableRowCount, VirtualTableBody } from '../../components/VirtualTableBody.tsx';
import { useEncounters } from './api.ts';
import { formatConcept, formatPeriod } from './fhir-display.ts';
import { ResourceSection } from './ResourceSection.tsx';

function EncounterCells({ encounter }: { encounter: Encounter }) {
  return (
    <>
      <td>{formatConcept(encounter.type?.[0])}</td>
      <td>{encounter.class.display ?? encounter.class.code ?? '—'}</td>
      <td>{formatPeriod(encounter.period)}</td>
      <td>{encounter.reasonCode?.map((reason) => formatConcept(reason)).join(', ') || '—'}</td>
      <td>{encounter.serviceProvider?.display ?? encounter.location?.[0]?.location.display ?? '—'}</td>
      <td>{encounter.status}</td>
    </>
  );
}

/**
 * Visits, newest first. Long histories run to thousands of visits: the table is virtualised and
 * fetches the next FHIR page as the end of the loaded rows scrolls into view.
 */
export function EncountersTab({ patientId }: { patientId: string }) {
  const encounters = useEncounters(patientId);
  return (
    <Card title="Encounters">
      <ResourceSection search={encounters} what="encounters">
        {(rows) => (
          <div className="table-scroll">
            <table
              className="chart-table"
              data-testid="encounters-table"
              aria-rowcount={tableRowCount(rows.length, encounters.total, encounters.hasNextPage)}
            >
              <thead>
                <tr aria-rowindex={1}>
                  <th scope="col">Type</th>
                  <th scope="col">Class</th>
                  <th scope="col">When</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Where</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <VirtualTableBody
                rows={rows}
                rowKey={(encounter) => encounter.id ?? ''}
                renderCells={(encounter) => <EncounterCells encounter={encounter} />}
                estimateSize={38}
                hasMore={encounters.canAutoFetch}
                onEndReached={() => void encounters.fetchNextPage()}
              />
            </table>
          </div>
        )}
      </ResourceSection>
    </Card>
  );
}
