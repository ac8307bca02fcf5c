/** The tabs of a patient's chart, in order; the first is the chart's landing page. */
export const CHART_SECTIONS = [
  { key: 'summary', label: 'Summary' },
  { key: 'problems', label: 'Problems' },
  { key: 'medications', label: 'Medications' },
  { key: 'allergies', label: 'Allergies' },
  { key: 'vitals', label: 'Vitals' },
  { key: 'labs', label: 'Labs' },
  { key: 'encounters', label: 'Encounters' },
  { key: 'immunizations', label: 'Immunizations' },
  { key: 'documents', label: 'Documents' },
  { key: 'journey', label: 'Journey' },
] as const;

export type ChartSectionKey = (typeof CHART_SECTIONS)[number]['key'];

/** The section a URL segment names (none: the summary); undefined for an unknown one. */
export function findChartSection(segment: string | undefined): (typeof CHART_SECTIONS)[number] | undefined {
  return CHART_SECTIONS.find((section) => section.key === (segment ?? 'summary'));
}

/** The URL of a section of a patient's chart; the summary is the chart's own URL. */
export function chartSectionPath(patientId: string, key: ChartSectionKey): string {
  const base = `/patients/${encodeURIComponent(patientId)}`;
  return key === 'summary' ? base : `${base}/${key}`;
}
