import type { CodeableConcept, Coding, Observation, Period, Quantity, Range } from '@caregraph/core/fhir';

/** A CodeableConcept as people read it: its text, else the first coding's display, else its code. */
export function formatConcept(concept: CodeableConcept | undefined, fallback = '—'): string {
  if (!concept) {
    return fallback;
  }
  if (concept.text) {
    return concept.text;
  }
  const coding = concept.coding?.find((candidate) => candidate.display) ?? concept.coding?.[0];
  return coding?.display ?? coding?.code ?? fallback;
}

/** The first code of a concept as "code (system name)", e.g. "E11.9 (ICD-10-CM)". */
export function formatCoding(coding: Coding | undefined): string | undefined {
  if (!coding?.code) {
    return undefined;
  }
  return `${coding.code} (${systemName(coding.system)})`;
}

const SYSTEM_NAMES: Record<string, string> = {
  'http://snomed.info/sct': 'SNOMED CT',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
  'http://loinc.org': 'LOINC',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://hl7.org/fhir/sid/cvx': 'CVX',
  'http://unitsofmeasure.org': 'UCUM',
};

/** A code system's short name; the url itself when it is not a well-known one. */
export function systemName(system: string | undefined): string {
  if (!system) {
    return 'no system';
  }
  return SYSTEM_NAMES[system] ?? system;
}

/** Whether a concept has a coding with this code (in any system, or in `system` when given). */
export function hasCode(concept: CodeableConcept | undefined, code: string, system?: string): boolean {
  return (concept?.coding ?? []).some((coding) => coding.code === code && (!system || coding.system === system));
}

/** A FHIR date or dateTime as its date part ("2024-03-05"), or "—". Partial dates are kept as they are. */
export function formatDate(value: string | undefined): string {
  if (!value) {
    return '—';
  }
  return value.length > 10 ? value.slice(0, 10) : value;
}

/** A dateTime as "2024-03-05 14:38" in the page's time zone; a date alone stays a date. */
export function formatDateTime(value: string | undefined): string {
  if (!value) {
    return '—';
  }
  if (value.length <= 10) {
    return value;
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    return value;
  }
  const pad = (part: number) => String(part).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A period as "start – end", "since start" or "—". */
export function formatPeriod(period: Period | undefined): string {
  if (!period?.start && !period?.end) {
    return '—';
  }
  if (!period.end) {
    return `since ${formatDate(period.start)}`;
  }
  return `${formatDate(period.start)} – ${formatDate(period.end)}`;
}

/** A number without float noise: at most `digits` decimals, trailing zeros dropped. */
export function formatNumber(value: number, digits = 2): string {
  return String(Number(value.toFixed(digits)));
}

/** A quantity as "120 mm[Hg]" (the human unit when given, else the UCUM code), or "—". */
export function formatQuantity(quantity: Quantity | undefined): string {
  if (quantity?.value === undefined) {
    return '—';
  }
  const unit = quantity.unit ?? quantity.code;
  const comparator = quantity.comparator ?? '';
  return `${comparator}${formatNumber(quantity.value)}${unit ? ` ${unit}` : ''}`;
}

/** A reference range as "3.5–5.1", "> 60", "< 200", its text, or undefined. */
export function formatRange(range: Pick<Range, 'low' | 'high'> & { text?: string }): string | undefined {
  const low = range.low?.value;
  const high = range.high?.value;
  if (low !== undefined && high !== undefined) {
    return `${formatNumber(low)}–${formatNumber(high)}`;
  }
  if (low !== undefined) {
    return `≥ ${formatNumber(low)}`;
  }
  if (high !== undefined) {
    return `≤ ${formatNumber(high)}`;
  }
  return range.text;
}

/** What a lab value's flag means. */
export type AbnormalFlag = 'high' | 'low' | 'critical-high' | 'critical-low' | 'abnormal' | 'normal' | undefined;

const INTERPRETATION_FLAGS: Record<string, AbnormalFlag> = {
  H: 'high',
  HU: 'high',
  L: 'low',
  LU: 'low',
  HH: 'critical-high',
  LL: 'critical-low',
  A: 'abnormal',
  AA: 'abnormal',
  N: 'normal',
};

/**
 * Whether a result is out of range: the lab's own interpretation when it sent one (it knows the
 * patient's ranges best), else its value against the first reference range; undefined when neither
 * tells.
 */
export function abnormalFlag(observation: Pick<Observation, 'interpretation' | 'referenceRange' | 'valueQuantity'>) {
  for (const interpretation of observation.interpretation ?? []) {
    for (const coding of interpretation.coding ?? []) {
      const flag = coding.code ? INTERPRETATION_FLAGS[coding.code] : undefined;
      if (flag) {
        return flag;
      }
    }
  }
  const value = observation.valueQuantity?.value;
  const range = observation.referenceRange?.[0];
  if (value === undefined || !range) {
    return undefined;
  }
  if (range.low?.value !== undefined && value < range.low.value) {
    return 'low';
  }
  if (range.high?.value !== undefined && value > range.high.value) {
    return 'high';
  }
  return range.low?.value !== undefined || range.high?.value !== undefined ? 'normal' : undefined;
}

/** A flag as the letters labs print: H, L, HH, LL, A; empty for normal or unknown. */
export function flagLabel(flag: AbnormalFlag): string {
  switch (flag) {
    case 'high':
      return 'H';
    case 'low':
      return 'L';
    case 'critical-high':
      return 'HH';
    case 'critical-low':
      return 'LL';
    case 'abnormal':
      return 'A';
    case 'normal':
    case undefined:
      return '';
  }
}

/** An Observation's value as text: quantity, concept, string, boolean or integer; "—" when absent. */
export function formatObservationValue(observation: Observation): string {
  if (observation.valueQuantity) {
    return formatQuantity(observation.valueQuantity);
  }
  if (observation.valueCodeableConcept) {
    return formatConcept(observation.valueCodeableConcept);
  }
  if (observation.valueString !== undefined) {
    return observation.valueString;
  }
  if (observation.valueBoolean !== undefined) {
    return observation.valueBoolean ? 'yes' : 'no';
  }
  if (observation.valueInteger !== undefined) {
    return String(observation.valueInteger);
  }
  return formatConcept(observation.dataAbsentReason, '—');
}

/** When an Observation was made: effectiveDateTime, the period start, else when it was issued. */
export function observationTime(observation: Observation): string | undefined {
  return (
    observation.effectiveDateTime ??
    observation.effectivePeriod?.start ??
    observation.effectiveInstant ??
    observation.issued
  );
}

/** The first coding's code of a CodeableConcept, e.g. a clinicalStatus. */
export function firstCode(concept: CodeableConcept | undefined): string | undefined {
  return concept?.coding?.find((coding) => coding.code)?.code;
}
