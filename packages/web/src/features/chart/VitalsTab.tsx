import type { Observation } from '@caregraph/core/fhir';
import { useMemo } from 'react';
import { Card } from '../../components/Card.tsx';
import { VitalsTrendChart } from '../../charts/vitals-trend/VitalsTrendChart.tsx';
import { useElementWidth } from '../journey/use-element-width.ts';
import { AddVitalForm } from './AddVitalForm.tsx';
import { useVitalSigns } from './api.ts';
import { formatDateTime } from './fhir-display.ts';
import { ResourceSection } from './ResourceSection.tsx';
import { findVitalSign, latestVital, VITAL_SIGNS, vitalSeries, type VitalSign } from './vital-signs.ts';

/** The vitals drawn as trends; height and respiratory rate are listed with the latest values only. */
const TREND_KEYS: readonly VitalSign['key'][] = [
  'blood-pressure',
  'heart-rate',
  'weight',
  'bmi',
  'temperature',
  'spo2',
];

/** The latest reading of each vital sign, as a definition list. */
export function LatestVitals({ observations }: { observations: readonly Observation[] }) {
  return (
    <dl className="latest-vitals">
      {VITAL_SIGNS.map((vital) => {
        const latest = latestVital(observations, vital);
        return (
          <div key={vital.key} className="latest-vitals__item">
            <dt>{vital.label}</dt>
            <dd data-testid={`latest-${vital.key}`}>{latest ? latest.text : '—'}</dd>
            {latest && <dd className="muted">{formatDateTime(latest.time.toISOString())}</dd>}
          </div>
        );
      })}
    </dl>
  );
}

function VitalTrends({ observations }: { observations: readonly Observation[] }) {
  const { ref, width } = useElementWidth<HTMLDivElement>();
  // Two charts side by side when there is room for both to be readable.
  const chartWidth = width >= 720 ? Math.floor((width - 24) / 2) : width;
  const trends = useMemo(
    () =>
      TREND_KEYS.map((key) => {
        const vital = findVitalSign(key);
        return { vital, series: vitalSeries(observations, vital) };
      }),
    [observations],
  );
  return (
    <div
      ref={ref}
      className="vital-trends"
      style={{ gridTemplateColumns: chartWidth < width ? 'repeat(2, minmax(0, 1fr))' : 'minmax(0, 1fr)' }}
    >
      {trends.map(({ vital, series }) => (
        <figure key={vital.key} className="vital-trends__item">
          <figcaption>
            {vital.label} ({vital.unitLabel})
          </figcaption>
          {series.some((line) => line.points.length > 0) ? (
            <VitalsTrendChart
              title={`${vital.label} (${vital.unitLabel})`}
              series={series}
              width={chartWidth}
              testId={`trend-${vital.key}`}
            />
          ) : (
            <p className="muted">No readings.</p>
          )}
        </figure>
      ))}
    </div>
  );
}

/** Latest vitals and their trends (one search of vital-signs Observations, newest first), with an add form. */
export function VitalsTab({ patientId }: { patientId: string }) {
  const vitals = useVitalSigns(patientId);
  return (
    <Card title="Vital signs">
      <AddVitalForm patientId={patientId} />
      <ResourceSection search={vitals} what="vital signs">
        {(rows) => (
          <>
            <LatestVitals observations={rows} />
            <VitalTrends observations={rows} />
          </>
        )}
      </ResourceSection>
    </Card>
  );
}
