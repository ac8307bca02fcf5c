import type { Condition, MedicationRequest, Resource } from '@caregraph/core/fhir';
import { useState } from 'react';
import { Card } from '../../components/Card.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import {
  useAllergies,
  useConditions,
  useEncounters,
  useImmunizations,
  useLabResults,
  useMedicationRequests,
  useVitalSigns,
} from '../chart/api.ts';
import {
  formatReactions,
  isActiveAllergy,
  isActiveCondition,
  isCurrentMedication,
  medicationName,
  onsetOf,
  sortConditions,
} from '../chart/clinical-lists.ts';
import {
  firstCode,
  formatConcept,
  formatDate,
  formatDateTime,
  formatObservationValue,
  observationTime,
} from '../chart/fhir-display.ts';
import { ResourceSection } from '../chart/ResourceSection.tsx';
import { medicationStatusWords, problemStatusWords } from './plain-language.ts';
import { latestLabResults, latestVitalReadings } from './record-lists.ts';

/** How many of the latest test results and visits show before "Show more". */
const FIRST_RESULTS = 12;
const FIRST_VISITS = 8;

function ProblemItem({ condition }: { condition: Condition }) {
  return (
    <li>
      <strong>{formatConcept(condition.code)}</strong>
      <span className="muted">
        {' '}
        · {problemStatusWords(firstCode(condition.clinicalStatus))} · since {formatDate(onsetOf(condition))}
      </span>
    </li>
  );
}

function Problems({ patientId }: { patientId: string }) {
  const conditions = useConditions(patientId);
  return (
    <Card title="Health problems">
      <ResourceSection search={conditions} what="health problems">
        {(rows) => {
          const sorted = sortConditions(rows);
          const current = sorted.filter(isActiveCondition);
          const past = sorted.filter((condition) => !isActiveCondition(condition));
          return (
            <>
              <p data-testid="portal-current-problems-count">
                {current.length === 0 ? 'No current health problems.' : `${current.length} current`}
              </p>
              {current.length > 0 && (
                <ul className="portal-list">
                  {current.map((condition) => (
                    <ProblemItem key={condition.id} condition={condition} />
                  ))}
                </ul>
              )}
              {past.length > 0 && (
                <details className="portal-details">
                  <summary>Past problems ({past.length})</summary>
                  <ul className="portal-list">
                    {past.map((condition) => (
                      <ProblemItem key={condition.id} condition={condition} />
                    ))}
                  </ul>
                </details>
              )}
            </>
          );
        }}
      </ResourceSection>
    </Card>
  );
}

function MedicationItem({ request, included }: { request: MedicationRequest; included: readonly Resource[] }) {
  const dosage = request.dosageInstruction?.[0]?.text;
  return (
    <li>
      <strong>{medicationName(request, included)}</strong>
      <span className="muted">
        {' '}
        · {medicationStatusWords(request.status)} · prescribed {formatDate(request.authoredOn)}
      </span>
      {dosage && <div>{dosage}</div>}
    </li>
  );
}

function Medicines({ patientId }: { patientId: string }) {
  const medications = useMedicationRequests(patientId);
  return (
    <Card title="Medicines">
      <ResourceSection search={medications} what="medicines">
        {(rows) => {
          const current = rows.filter((request) => isCurrentMedication(request.status));
          const past = rows.filter((request) => !isCurrentMedication(request.status));
          return (
            <>
              {current.length === 0 ? (
                <p>No medicines you are taking now.</p>
              ) : (
                <ul className="portal-list">
                  {current.map((request) => (
                    <MedicationItem key={request.id} request={request} included={medications.included} />
                  ))}
                </ul>
              )}
              {past.length > 0 && (
                <details className="portal-details">
                  <summary>Earlier medicines ({past.length})</summary>
                  <ul className="portal-list">
                    {past.map((request) => (
                      <MedicationItem key={request.id} request={request} included={medications.included} />
                    ))}
                  </ul>
                </details>
              )}
            </>
          );
        }}
      </ResourceSection>
    </Card>
  );
}

function Allergies({ patientId }: { patientId: string }) {
  const allergies = useAllergies(patientId);
  return (
    <Card title="Allergies">
      <ResourceSection search={allergies} what="allergies">
        {(rows) => {
          const active = rows.filter(isActiveAllergy);
          return active.length === 0 ? (
            <p>No current allergies.</p>
          ) : (
            <ul className="portal-list">
              {active.map((allergy) => {
                const reactions = formatReactions(allergy);
                return (
                  <li key={allergy.id}>
                    <strong>{formatConcept(allergy.code)}</strong>
                    {reactions !== '—' && <span className="muted"> · reaction: {reactions}</span>}
                  </li>
                );
              })}
            </ul>
          );
        }}
      </ResourceSection>
    </Card>
  );
}

function Measurements({ patientId, ageYears }: { patientId: string; ageYears: number | undefined }) {
  const vitals = useVitalSigns(patientId);
  return (
    <Card title="Latest measurements">
      <ResourceSection search={vitals} what="measurements">
        {(rows) => (
          <>
            <ul className="portal-list portal-readings">
              {latestVitalReadings(rows, ageYears).map((reading) => (
                <li key={reading.vital.key} data-testid={`portal-vital-${reading.vital.key}`}>
                  <div className="portal-reading__head">
                    <span>{reading.vital.label}</span>
                    <strong className="portal-reading__value">{reading.text}</strong>
                    {reading.verdict && <StatusBadge tone={reading.verdict.tone}>{reading.verdict.word}</StatusBadge>}
                  </div>
                  <div className="muted">
                    Measured {formatDateTime(reading.time.toISOString())}
                    {reading.verdict ? `. ${reading.verdict.sentence}` : ''}
                  </div>
                </li>
              ))}
            </ul>
            {ageYears !== undefined && ageYears < 18 && (
              <p className="muted">Usual ranges for children depend on their age, so none are shown here.</p>
            )}
          </>
        )}
      </ResourceSection>
    </Card>
  );
}

function TestResults({ patientId, ageYears }: { patientId: string; ageYears: number | undefined }) {
  const results = useLabResults(patientId);
  const [shown, setShown] = useState(FIRST_RESULTS);
  return (
    <Card title="Test results">
      <p className="muted">
        The latest result of each test. <strong>Normal</strong> means inside the expected range (the lab&apos;s own, or
        else the typical range for adults); <strong>High</strong> or <strong>Low</strong> means outside it, which is
        common and not always a concern.
      </p>
      <ResourceSection search={results} what="test results">
        {(rows) => {
          const latest = latestLabResults(rows, Number.MAX_SAFE_INTEGER, ageYears);
          return (
            <>
              <ul className="portal-list portal-readings" data-testid="portal-test-results">
                {latest.slice(0, shown).map(({ result, verdict }) => (
                  <li key={result.id}>
                    <div className="portal-reading__head">
                      <span>{formatConcept(result.code)}</span>
                      <strong className="portal-reading__value">{formatObservationValue(result)}</strong>
                      <StatusBadge tone={verdict.tone}>{verdict.word}</StatusBadge>
                    </div>
                    <div className="muted">
                      {formatDate(observationTime(result))}. {verdict.sentence}
                    </div>
                  </li>
                ))}
              </ul>
              {latest.length > shown && (
                <button type="button" className="button button--small" onClick={() => setShown(latest.length)}>
                  Show all {latest.length} tests
                </button>
              )}
            </>
          );
        }}
      </ResourceSection>
    </Card>
  );
}

function Vaccinations({ patientId }: { patientId: string }) {
  const immunizations = useImmunizations(patientId);
  return (
    <Card title="Vaccinations">
      <ResourceSection search={immunizations} what="vaccinations">
        {(rows) => (
          <>
            <p data-testid="portal-vaccination-count">{rows.length} recorded</p>
            <ul className="portal-list">
              {rows.map((immunization) => (
                <li key={immunization.id}>
                  <strong>{formatConcept(immunization.vaccineCode)}</strong>
                  <span className="muted">
                    {' '}
                    ·{' '}
                    {immunization.status === 'not-done'
                      ? 'not given'
                      : `given ${formatDate(immunization.occurrenceDateTime)}`}
                  </span>
                </li>
              ))}
            </ul>
          </>
        )}
      </ResourceSection>
    </Card>
  );
}

function Visits({ patientId }: { patientId: string }) {
  const encounters = useEncounters(patientId);
  const [shown, setShown] = useState(FIRST_VISITS);
  return (
    <Card title="Visits">
      <ResourceSection search={encounters} what="visits">
        {(rows) => (
          <>
            <ul className="portal-list">
              {rows.slice(0, shown).map((encounter) => (
                <li key={encounter.id}>
                  <strong>{formatConcept(encounter.type?.[0], 'Visit')}</strong>
                  <span className="muted"> · {formatDate(encounter.period?.start)}</span>
                </li>
              ))}
            </ul>
            {rows.length > shown && (
              <button type="button" className="button button--small" onClick={() => setShown(shown + 20)}>
                Show more visits
              </button>
            )}
          </>
        )}
      </ResourceSection>
    </Card>
  );
}

/** The patient's record in plain words, read-only: the chart's data through the chart's own queries. */
export function MyRecord({ patientId, ageYears }: { patientId: string; ageYears: number | undefined }) {
  return (
    <div className="portal-grid">
      <Problems patientId={patientId} />
      <Medicines patientId={patientId} />
      <Allergies patientId={patientId} />
      <Measurements patientId={patientId} ageYears={ageYears} />
      <TestResults patientId={patientId} ageYears={ageYears} />
      <Vaccinations patientId={patientId} />
      <Visits patientId={patientId} />
    </div>
  );
}
