import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { usePatient } from './api.ts';
import { ageInYears, formatIdentifier, formatName } from './patient-display.ts';
import './patient-header.css';

/** Who the page is about: name, age, sex and identifier. */
export function PatientHeader({ patientId }: { patientId: string }) {
  const patient = usePatient(patientId);
  if (patient.isPending) {
    return <p className="muted">Loading the patient…</p>;
  }
  if (patient.isError) {
    return <ErrorMessage error={patient.error} what="this patient" onRetry={() => void patient.refetch()} />;
  }
  const age = ageInYears(patient.data.birthDate);
  const identifier = formatIdentifier(patient.data);
  return (
    <div className="patient-header">
      <h1>{formatName(patient.data)}</h1>
      <span>
        {patient.data.birthDate ? `Born ${patient.data.birthDate}` : 'Birth date unknown'}
        {age !== undefined ? ` (${age} y)` : ''}
      </span>
      <span>{patient.data.gender ?? 'Sex unknown'}</span>
      {identifier && <span className="muted">{identifier}</span>}
    </div>
  );
}
