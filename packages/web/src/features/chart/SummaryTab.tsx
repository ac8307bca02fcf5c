import { Link } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { useAllergies, useConditions, useEncounters, useMedicationRequests, useVitalSigns } from './api.ts';
import { isActiveAllergy, isActiveCondition, isCurrentMedication, medicationName, onsetOf } from './clinical-lists.ts';
import { formatConcept, formatDate, formatPeriod } from './fhir-display.ts';
import { ResourceSection } from './ResourceSection.tsx';
import { LatestVitals } from './VitalsTab.tsx';

/** How many recent encounters the summary lists. */
const RECENT_ENCOUNTERS = 5;

/** A short list of the summary, with what to say when it is empty and a link to its tab. */
function SummaryList({
  items,
  none,
  more,
}: {
  items: { key: string; text: string }[];
  none: string;
  more: { to: string; label: string };
}) {
  return (
    <>
      {items.length === 0 ? (
        <p className="muted">{none}</p>
      ) : (
        <ul className="summary-list">
          {items.map((item) => (
            <li key={item.key}>{item.text}</li>
          ))}
        </ul>
      )}
      <Link to={more.to}>{more.label}</Link>
    </>
  );
}

/** The chart at a glance: latest vitals, active problems, current medications, allergies, recent visits. */
export function SummaryTab({ patientId }: { patientId: string }) {
  const base = `/patients/${encodeURIComponent(patientId)}`;
  const vitals = useVitalSigns(patientId);
  const conditions = useConditions(patientId);
  const medications = useMedicationRequests(patientId);
  const allergies = useAllergies(patientId);
  const encounters = useEncounters(patientId);
  return (
    <div className="summary-grid">
      <Card title="Latest vitals">
        <ResourceSection search={vitals} what="vital signs">
          {(rows) => <LatestVitals observations={rows} />}
        </ResourceSection>
      </Card>
      <Card title="Active problems">
        <ResourceSection search={conditions} what="problems">
          {(rows) => (
            <SummaryList
              items={rows.filter(isActiveCondition).map((condition) => ({
                key: condition.id ?? '',
                text: `${formatConcept(condition.code)} (since ${formatDate(onsetOf(condition))})`,
              }))}
              none="No active problems."
              more={{ to: `${base}/problems`, label: 'All problems' }}
            />
          )}
        </ResourceSection>
      </Card>
      <Card title="Current medications">
        <ResourceSection search={medications} what="medications">
          {(rows) => (
            <SummaryList
              items={rows
                .filter((request) => isCurrentMedication(request.status))
                .map((request) => ({ key: request.id ?? '', text: medicationName(request, medications.included) }))}
              none="No current medications."
              more={{ to: `${base}/medications`, label: 'All medications' }}
            />
          )}
        </ResourceSection>
      </Card>
      <Card title="Allergies">
        <ResourceSection search={allergies} what="allergies">
          {(rows) => (
            <SummaryList
              items={rows
                .filter(isActiveAllergy)
                .map((allergy) => ({ key: allergy.id ?? '', text: formatConcept(allergy.code) }))}
              none="No active allergies."
              more={{ to: `${base}/allergies`, label: 'All allergies' }}
            />
          )}
        </ResourceSection>
      </Card>
      <Card title="Recent encounters">
        <ResourceSection search={encounters} what="encounters">
          {(rows) => (
            <SummaryList
              items={rows.slice(0, RECENT_ENCOUNTERS).map((encounter) => ({
                key: encounter.id ?? '',
                text: `${formatConcept(encounter.type?.[0])} · ${formatPeriod(encounter.period)}`,
              }))}
              none="No encounters."
              more={{ to: `${base}/encounters`, label: 'All encounters' }}
            />
          )}
        </ResourceSection>
      </Card>
    </div>
  );
}
