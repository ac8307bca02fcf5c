import type { DiagnosticReport, Observation } from '@caregraph/core/fhir';
import { formatConcept, observationTime } from './fhir-display.ts';

/** A group of the labs table: one report (panel) with its results, or the results outside any report. */
export type LabPanel = {
  key: string;
  title: string;
  /** When the panel was collected (the report's effective time, else its first result's). */
  time: string | undefined;
  results: Observation[];
};

/** An analyte's key: its first LOINC (else first) code, so the same test from different panels lines up. */
export function analyteKey(observation: Observation): string {
  const codings = observation.code.coding ?? [];
  const coding = codings.find((candidate) => candidate.system === 'http://loinc.org') ?? codings[0];
  return coding?.code ? `${coding.system ?? ''}|${coding.code}` : `text|${formatConcept(observation.code)}`;
}

/**
 * Groups lab results by the DiagnosticReport (panel) that lists them, newest panel first; results no
 * report lists form one "Other results" group at the end. A result listed by two reports shows under
 * the first only.
 */
export function groupLabsByPanel(results: readonly Observation[], reports: readonly DiagnosticReport[]): LabPanel[] {
  const byReference = new Map(results.map((result) => [`Observation/${result.id ?? ''}`, result]));
  const placed = new Set<Observation>();
  const panels: LabPanel[] = [];
  for (const report of reports) {
    const members = (report.result ?? []).flatMap((reference) => {
      const result = reference.reference ? byReference.get(reference.reference) : undefined;
      if (!result || placed.has(result)) {
        return [];
      }
      placed.add(result);
      return [result];
    });
    if (members.length > 0) {
      panels.push({
        key: `DiagnosticReport/${report.id ?? panels.length}`,
        title: formatConcept(report.code, 'Report'),
        time: report.effectiveDateTime ?? report.effectivePeriod?.start ?? (members[0] && observationTime(members[0])),
        results: members,
      });
    }
  }
  const others = results.filter((result) => !placed.has(result));
  const timeOf = (panel: LabPanel) => Date.parse(panel.time ?? '') || 0;
  panels.sort((left, right) => timeOf(right) - timeOf(left));
  if (others.length > 0) {
    panels.push({ key: 'other', title: 'Other results', time: undefined, results: others });
  }
  return panels;
}

/** The numeric results of one analyte, oldest first, for its trend chart. */
export function analyteSeries(results: readonly Observation[], key: string) {
  return results
    .filter((result) => analyteKey(result) === key && result.valueQuantity?.value !== undefined)
    .flatMap((result) => {
      const time = observationTime(result);
      return time ? [{ time: new Date(time), value: result.valueQuantity?.value ?? 0, id: result.id ?? '' }] : [];
    })
    .sort((left, right) => left.time.getTime() - right.time.getTime());
}
