import type { Identifier } from '@caregraph/core/fhir';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { usePatient } from '../patients/api.ts';
import { ageInYears, formatName } from '../patients/patient-display.ts';
import { useAllergies, useConditions } from './api.ts';
import { isActiveAllergy, isActiveCondition } from './clinical-lists.ts';
import { formatConcept, formatDate } from './fhir-display.ts';
import './chart.css';

function identifierText(identifier: Identifier): string {
  const label = identifier.type?.text ?? identifier.type?.coding?.[0]?.display ?? identifier.type?.coding?.[0]?.code;
  return label ? `${label}: ${identifier.value ?? ''}` : (identifier.value ?? '');
}

/** A list of the header ("Allergies: …"), with its loading, error and empty states in words. */
function HeaderList({
  label,
  state,
  items,
  none,
}: {
  label: string;
  state: 'pending' | 'error' | 'success';
  items: string[];
  none: string;
}) {
  const body =
    state === 'pending'
      ? 'loading…'
      : state === 'error'
        ? 'could not be loaded'
        : items.length === 0
          ? none
          : items.join(', ');
  return (
    <div className="chart-header__list">
      <dt>{label}</dt>
      <dd data-testid={`header-${label.toLowerCase().replace(/\s+/g, '-')}`}>{body}</dd>
    </div>
  );
}

/** Who the chart is about: name, age, sex, identifiers, allergies and active problems. */
export function ChartHeader({ patientId }: { patientId: string }) {
  const patient = usePatient(patientId);
  const allergies = useAllergies(patientId);
  const conditions = useConditions(patientId);
  if (patient.isPending) {
    return <p className="muted">Loading the patient…</p>;
  }
  if (patient.isError) {
    return <ErrorMessage error={patient.error} what="this patient" onRetry={() => void patient.refetch()} />;
  }
  const { birthDate, deceasedDateTime, deceasedBoolean } = patient.data;
  // The age of a deceased patient is their age at death.
  const age = ageInYears(birthDate, deceasedDateTime ? new Date(deceasedDateTime) : new Date());
  const deceased = deceasedDateTime ? `died ${formatDate(deceasedDateTime)}` : deceasedBoolean ? 'deceased' : undefined;
  const identifiers = (patient.data.identifier ?? []).filter((identifier) => identifier.value);
  return (
    <header className="chart-header">
      <h1>{formatName(patient.data)}</h1>
      <dl className="chart-header__facts">
        <div>
          <dt>Age</dt>
          <dd>
            {age !== undefined ? `${age} y` : 'unknown'}
            {birthDate && <span className="muted"> (born {birthDate})</span>}
            {deceased && <strong className="chart-header__deceased"> · {deceased}</strong>}
          </dd>
        </div>
        <div>
          <dt>Sex</dt>
          <dd>{patient.data.gender ?? 'unknown'}</dd>
        </div>
        {identifiers.length > 0 && (
          <div>
            <dt>Identifiers</dt>
            <dd>
              {identifiers.map((identifier) => (
                <span key={`${identifier.system ?? ''}|${identifier.value ?? ''}`} className="chart-header__identifier">
                  {identifierText(identifier)}
                </span>
              ))}
            </dd>
          </div>
        )}
      </dl>
      <dl className="chart-header__clinical">
        <HeaderList
          label="Allergies"
          state={allergies.status}
          items={allergies.resources.filter(isActiveAllergy).map((allergy) => formatConcept(allergy.code))}
          none="none recorded"
        />
        <HeaderList
          label="Active problems"
          state={conditions.status}
          items={conditions.resources.filter(isActiveCondition).map((condition) => formatConcept(condition.code))}
          none="none recorded"
        />
      </dl>
    </header>
  );
}
