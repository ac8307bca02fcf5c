import type { Patient } from '@caregraph/core/fhir';
import { useEffect, useId, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { tableRowCount, VirtualTableBody } from '../../components/VirtualTableBody.tsx';
import { usePatientList } from '../../features/patients/api.ts';
import { ageInYears, formatIdentifier, formatName } from '../../features/patients/patient-display.ts';
import { patientChartPath } from '../../features/patients/PatientSearchBox.tsx';
import { useDebounced } from '../../features/patients/use-debounced.ts';
import { PageShell } from '../PageShell.tsx';
import './patients.css';
import { LoadMore } from '../../components/LoadMore.tsx';

type PatientList = ReturnType<typeof usePatientList>;

function PatientCells({ patient }: { patient: Patient }) {
  const age = ageInYears(patient.birthDate);
  return (
    <>
      <td>
        <Link to={patientChartPath(patient.id ?? '')}>{formatName(patient)}</Link>
      </td>
      <td>
        {patient.birthDate ?? '—'}
        {age !== undefined && <span className="muted"> ({age} y)</span>}
      </td>
      <td>{patient.gender ?? '—'}</td>
      <td>{formatIdentifier(patient) ?? '—'}</td>
    </>
  );
}

/**
 * The matches as one table that scrolls with the page: only the rows near the viewport are drawn
 * (thousands stay fast), and the next FHIR page loads when the end comes into view. The table
 * tells assistive technology its full size with aria-rowcount and each row's place with aria-rowindex.
 */
function PatientTable({ list }: { list: PatientList }) {
  const { patients, total } = list;
  const hasMore = list.hasNextPage && !list.isFetchingNextPage && !list.isFetchNextPageError;
  return (
    <>
      <div className="table-scroll">
        <table
          className="data-table"
          aria-busy={list.isFetching}
          aria-rowcount={tableRowCount(patients.length, total, list.hasNextPage)}
          data-testid="patient-table"
        >
          <caption className="muted">
            {total !== undefined && total > patients.length
              ? `${patients.length} of ${total} patients loaded`
              : `${patients.length} patient${patients.length === 1 ? '' : 's'}`}
          </caption>
          <thead>
            <tr aria-rowindex={1}>
              <th scope="col">Name</th>
              <th scope="col">Born</th>
              <th scope="col">Sex</th>
              <th scope="col">Identifier</th>
            </tr>
          </thead>
          <VirtualTableBody
            rows={patients}
            rowKey={(patient) => patient.id ?? ''}
            renderCells={(patient) => <PatientCells patient={patient} />}
            estimateSize={42}
            hasMore={hasMore}
            onEndReached={() => void list.fetchNextPage()}
          />
        </table>
      </div>
      <LoadMore pages={list} what="more patients" label="Load more patients" />
    </>
  );
}

/** Find a patient by name, birth date or identifier, as you type; the term is kept in the address (`?q=`). */
export function Patients() {
  const [searchParams, setSearchParams] = useSearchParams();
  const fromAddress = searchParams.get('q') ?? '';
  const [term, setTerm] = useState(fromAddress);
  const settled = useDebounced(term, 250);
  const list = usePatientList(settled);
  const inputId = useId();

  // The address and the box follow each other: the shell's search opens this page with `?q=`, and
  // a settled term is written back (replacing the entry) so reload and back keep the search.
  const written = useRef(fromAddress);
  useEffect(() => {
    if (fromAddress !== written.current) {
      written.current = fromAddress;
      setTerm(fromAddress);
    }
  }, [fromAddress]);
  useEffect(() => {
    const next = settled.trim();
    if (next !== written.current) {
      written.current = next;
      setSearchParams(next ? { q: next } : {}, { replace: true });
    }
  }, [settled, setSearchParams]);

  return (
    <PageShell title="Patients">
      <Card title="Patients">
        <div className="patient-search">
          <label htmlFor={inputId}>Search by name, birth date (YYYY-MM-DD) or identifier</label>
          <input
            id={inputId}
            type="search"
            value={term}
            onChange={(event) => setTerm(event.target.value)}
            autoComplete="off"
            autoFocus
          />
        </div>
        {list.isError && !list.isFetchNextPageError && (
          <ErrorMessage error={list.error} what="the patient list" onRetry={() => void list.refetch()} />
        )}
        {list.isPending && <p className="muted">Searching…</p>}
        {list.isSuccess && list.patients.length === 0 && (
          <p className="muted">{settled.trim() ? `No patient matches “${settled.trim()}”.` : 'No patients yet.'}</p>
        )}
        {list.patients.length > 0 && <PatientTable list={list} />}
      </Card>
    </PageShell>
  );
}
