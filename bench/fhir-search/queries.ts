import type { PatientSample } from './clone-synthea.ts';

/** The measured query shapes, named as in the benchmark's description. */
export const QUERY_SHAPES = ['a', 'b', 'c', 'd', 'e'] as const;
export type QueryShape = (typeof QUERY_SHAPES)[number];

/** One query shape: how to build a request for a patient that matches it, and what must come back. */
export type ShapeDefinition = {
  shape: QueryShape;
  label: string;
  /** The request with placeholders, for the report. */
  template: string;
  /** The resource type every `match` entry must have. */
  matchType: string;
  /** Whether the p99 target applies. */
  hasTarget: boolean;
  /** The path under the FHIR base for this patient, or undefined when its data cannot match. */
  pathFor: (sample: PatientSample) => string | undefined;
};

/** A path with its query string; values are percent-encoded, so `|` and `:` travel as the server expects. */
function withQuery(path: string, params: Array<[string, string]>): string {
  return `${path}?${new URLSearchParams(params).toString()}`;
}

export const SHAPES: readonly ShapeDefinition[] = [
  {
    shape: 'a',
    label: 'Patient by name and birthdate',
    template: 'Patient?name=<family>&birthdate=<yyyy-mm-dd>',
    matchType: 'Patient',
    hasTarget: true,
    pathFor: (sample) =>
      sample.family && sample.birthDate
        ? withQuery('Patient', [
            ['name', sample.family],
            ['birthdate', sample.birthDate],
          ])
        : undefined,
  },
  {
    shape: 'b',
    label: 'Observations of a patient by code and date, newest first',
    template: 'Observation?subject=Patient/<id>&code=http://loinc.org|<code>&date=ge<date>&_sort=-date',
    matchType: 'Observation',
    hasTarget: true,
    pathFor: (sample) =>
      sample.observation
        ? withQuery('Observation', [
            ['subject', `Patient/${sample.patientId}`],
            ['code', `http://loinc.org|${sample.observation.code}`],
            ['date', `ge${sample.observation.date}`],
            ['_sort', '-date'],
          ])
        : undefined,
  },
  {
    shape: 'c',
    label: 'Encounters of a patient with practitioners and conditions',
    template:
      'Encounter?subject=Patient/<id>&_include=Encounter:participant:Practitioner&_revinclude=Condition:encounter',
    matchType: 'Encounter',
    hasTarget: true,
    pathFor: (sample) =>
      sample.encounters > 0
        ? withQuery('Encounter', [
            ['subject', `Patient/${sample.patientId}`],
            ['_include', 'Encounter:participant:Practitioner'],
            ['_revinclude', 'Condition:encounter'],
          ])
        : undefined,
  },
  {
    shape: 'd',
    label: "Observations by the patient's identifier (chained)",
    template: 'Observation?subject:Patient.identifier=<system>|<value>',
    matchType: 'Observation',
    hasTarget: true,
    pathFor: (sample) =>
      sample.identifier && sample.observations > 0
        ? withQuery('Observation', [
            ['subject:Patient.identifier', `${sample.identifier.system}|${sample.identifier.value}`],
          ])
        : undefined,
  },
  {
    shape: 'e',
    label: 'Everything of the big patient, first page of 1000',
    template: 'Patient/<bigPatientId>/$everything?_count=1000',
    matchType: '',
    hasTarget: false,
    pathFor: (sample) => `Patient/${sample.patientId}/$everything?_count=1000`,
  },
];

type BundleEntryJson = { resource?: { resourceType?: string }; search?: { mode?: string } };
type BundleJson = {
  resourceType?: string;
  entry?: BundleEntryJson[];
  link?: Array<{ relation?: string; url?: string }>;
};

/** What a checked response held. */
export type CheckedBundle = { entries: number; matches: number; next: string | undefined };

/** Thrown for a 200 that is not the Bundle the query was built to get. */
export class UnexpectedResponseError extends Error {
  override readonly name = 'UnexpectedResponseError';
}

/**
 * Checks a 200 response: a Bundle with at least one entry; for a search, at least one `match` and
 * every match of `matchType`. `next` is the next page's path under the FHIR base, if any.
 */
export function checkBundle(text: string, definition: ShapeDefinition): CheckedBundle {
  const bundle = JSON.parse(text) as BundleJson;
  const where = `(${definition.shape}) ${definition.matchType || 'Patient/$everything'}`;
  if (bundle.resourceType !== 'Bundle') {
    throw new UnexpectedResponseError(`${where}: answered ${String(bundle.resourceType)}, not a Bundle`);
  }
  const entries = bundle.entry ?? [];
  const matches = entries.filter((entry) => entry.search?.mode === 'match');
  if (definition.matchType) {
    if (matches.length === 0) {
      throw new UnexpectedResponseError(`${where}: no match for a query built to match`);
    }
    const wrong = matches.find((entry) => entry.resource?.resourceType !== definition.matchType);
    if (wrong) {
      throw new UnexpectedResponseError(`${where}: a match of type ${String(wrong.resource?.resourceType)}`);
    }
  } else if (entries.length === 0) {
    throw new UnexpectedResponseError(`${where}: an empty Bundle`);
  }
  const nextUrl = bundle.link?.find((link) => link.relation === 'next')?.url;
  return { entries: entries.length, matches: matches.length, next: nextUrl ? pathUnderBase(nextUrl) : undefined };
}

/** `http://host/fhir/R4/Patient/x/$everything?…` → `Patient/x/$everything?…`. */
export function pathUnderBase(url: string): string {
  const { pathname, search } = new URL(url);
  const base = '/fhir/R4/';
  if (!pathname.startsWith(base)) {
    throw new UnexpectedResponseError(`a page link outside the FHIR base: ${pathname.slice(0, 40)}`);
  }
  return `${pathname.slice(base.length)}${search}`;
}
