import type { Observation } from '@caregraph/core/fhir';
import { useMemo, useState } from 'react';
import { Card } from '../../components/Card.tsx';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { useWindowRows } from '../../components/use-window-rows.ts';
import { VitalsTrendChart } from '../../charts/vitals-trend/VitalsTrendChart.tsx';
import { useElementWidth } from '../journey/use-element-width.ts';
import { AddLabForm } from './AddLabForm.tsx';
import { useDiagnosticReports, useLabResults, type ChartSearch } from './api.ts';
import {
  abnormalFlag,
  flagLabel,
  formatConcept,
  formatDateTime,
  formatObservationValue,
  formatRange,
  observationTime,
} from './fhir-display.ts';
import { analyteKey, analyteSeries, groupLabsByPanel, type LabPanel } from './lab-panels.ts';
import { ResourceSection } from './ResourceSection.tsx';

function LabRow({ result, onTrend }: { result: Observation; onTrend: (key: string) => void }) {
  const flag = abnormalFlag(result);
  const label = flagLabel(flag);
  const range = result.referenceRange?.[0];
  return (
    <tr className={label ? 'lab-row--abnormal' : undefined}>
      <th scope="row">
        <button type="button" className="link-button" onClick={() => onTrend(analyteKey(result))}>
          {formatConcept(result.code)}
        </button>
      </th>
      <td>{formatObservationValue(result)}</td>
      <td>{range ? (formatRange(range) ?? '—') : '—'}</td>
      <td>
        {label ? (
          <span className={`lab-flag lab-flag--${flag ?? 'abnormal'}`} title={flag}>
            {label}
          </span>
        ) : (
          ''
        )}
      </td>
      <td>{formatDateTime(observationTime(result))}</td>
    </tr>
  );
}

function PanelTable({ panel, onTrend }: { panel: LabPanel; onTrend: (key: string) => void }) {
  return (
    <table className="chart-table lab-panel" data-testid="lab-panel">
      <caption>
        <strong>{panel.title}</strong>
        {panel.time && <span className="muted"> · {formatDateTime(panel.time)}</span>}
      </caption>
      <thead>
        <tr>
          <th scope="col">Test</th>
          <th scope="col">Result</th>
          <th scope="col">Reference range</th>
          <th scope="col">Flag</th>
          <th scope="col">Collected</th>
        </tr>
      </thead>
      <tbody>
        {panel.results.map((result) => (
          <LabRow key={result.id} result={result} onTrend={onTrend} />
        ))}
      </tbody>
    </table>
  );
}

/**
 * The panels as a virtualised list: years of results make hundreds of panels, and only those near
 * the viewport are drawn (each measured once drawn, as panels differ in height). The next FHIR
 * page of results is fetched when the last panels come into view. A list with aria-setsize and
 * aria-posinset keeps the count known to assistive technology.
 */
function LabPanelList({
  panels,
  onTrend,
  search,
}: {
  panels: LabPanel[];
  onTrend: (key: string) => void;
  search: ChartSearch<Observation>;
}) {
  const virtual = useWindowRows<HTMLDivElement>({
    count: panels.length,
    estimateSize: 220,
    hasMore: search.canAutoFetch,
    onEndReached: () => void search.fetchNextPage(),
  });
  return (
    <div ref={virtual.containerRef} role="list" aria-label="Lab panels" className="lab-panel-list">
      <div aria-hidden="true" style={{ height: virtual.paddingTop }} />
      {virtual.items.map((item) => {
        const panel = panels[item.index];
        return panel ? (
          <div
            key={panel.key}
            ref={virtual.measureRef}
            data-index={item.index}
            role="listitem"
            aria-setsize={search.hasNextPage ? -1 : panels.length}
            aria-posinset={item.index + 1}
            className="table-scroll"
          >
            <PanelTable panel={panel} onTrend={onTrend} />
          </div>
        ) : null;
      })}
      <div aria-hidden="true" style={{ height: virtual.paddingBottom }} />
    </div>
  );
}

function AnalyteTrend({ results, analyte, onClose }: { results: Observation[]; analyte: string; onClose: () => void }) {
  const { ref, width } = useElementWidth<HTMLDivElement>();
  const points = useMemo(() => analyteSeries(results, analyte), [results, analyte]);
  const sample = results.find((result) => analyteKey(result) === analyte);
  const name = sample ? formatConcept(sample.code) : analyte;
  const unit = sample?.valueQuantity?.unit ?? sample?.valueQuantity?.code;
  return (
    <figure ref={ref} className="analyte-trend">
      <figcaption>
        Trend: {name}
        {unit ? ` (${unit})` : ''}{' '}
        <button type="button" className="button button--small" onClick={onClose}>
          Close trend
        </button>
      </figcaption>
      {points.length > 0 ? (
        <VitalsTrendChart title={name} series={[{ name, points }]} width={width} testId="analyte-trend" />
      ) : (
        <p className="muted">{name} has no numeric results to plot.</p>
      )}
    </figure>
  );
}

/** Lab results grouped by panel (DiagnosticReport) with reference ranges, flags and a trend per analyte. */
export function LabsTab({ patientId }: { patientId: string }) {
  const results = useLabResults(patientId);
  const reports = useDiagnosticReports(patientId);
  const [analyte, setAnalyte] = useState<string | undefined>();
  const panels = useMemo(
    () => groupLabsByPanel(results.resources, reports.resources),
    [results.resources, reports.resources],
  );
  return (
    <Card title="Labs">
      <AddLabForm patientId={patientId} />
      {reports.isError && (
        <ErrorMessage
          error={reports.error}
          what="the lab reports (results are shown ungrouped)"
          onRetry={() => void reports.refetch()}
        />
      )}
      {analyte && <AnalyteTrend results={results.resources} analyte={analyte} onClose={() => setAnalyte(undefined)} />}
      <ResourceSection search={results} what="lab results">
        {() => <LabPanelList panels={panels} onTrend={setAnalyte} search={results} />}
      </ResourceSection>
    </Card>
  );
}
