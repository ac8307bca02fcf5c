import { useId, useState } from 'react';
import { Link } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { usePatientSearch } from '../../features/patients/api.ts';
import { ageInYears, formatIdentifier, formatName } from '../../features/patients/patient-display.ts';
import { useDebounced } from '../../features/patients/use-debounced.ts';
import { PageShell } from '../PageShell.tsx';
import './patients.css';

/** Find a patient by name, birth date or identifier, as you type. */
export function Patients() {
  const [term, setTerm] = useState('');
  const settled = useDebounced(term, 250);
  const search = usePatientSearch(settled);
  const inputId = useId();
  const patients = search.data?.patients ?? [];

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
        {search.isError && (
          <ErrorMessage error={search.error} what="the patient list" onRetry={() => void search.refetch()} />
        )}
        {search.isPending && <p className="muted">Searching…</p>}
        {search.isSuccess && patients.length === 0 && (
          <p className="muted">{settled.trim() ? `No patient matches “${settled.trim()}”.` : 'No patients yet.'}</p>
        )}
        {patients.length > 0 && (
          <table className="data-table" aria-busy={search.isFetching}>
            <caption className="muted">
              {search.data?.total !== undefined && search.data.total > patients.length
                ? `First ${patients.length} of ${search.data.total} patients`
                : `${patients.length} patient${patients.length === 1 ? '' : 's'}`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Born</th>
                <th scope="col">Sex</th>
                <th scope="col">Identifier</th>
              </tr>
            </thead>
            <tbody>
              {patients.map((patient) => {
                const age = ageInYears(patient.birthDate);
                return (
                  <tr key={patient.id}>
                    <td>
                      <Link to={`/patients/${encodeURIComponent(patient.id ?? '')}`}>{formatName(patient)}</Link>
                    </td>
                    <td>
                      {patient.birthDate ?? '—'}
                      {age !== undefined && <span className="muted"> ({age} y)</span>}
                    </td>
                    <td>{patient.gender ?? '—'}</td>
                    <td>{formatIdentifier(patient) ?? '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
    </PageShell>
  );
}
