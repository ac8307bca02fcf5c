// The benchmark's patients, generated deterministically: one patient with a long history (encounters
// with observations, a lab report, conditions, procedures and medication requests, referenced the
// way an EHR references them), and a cohort of diabetes patients for the pathway query.
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const DAY_MS = 86_400_000;

export const BIG_PATIENT = 'big';
export const COHORT_GROUP = 'cohort';
export const DIABETES = `${SNOMED}|44054006`;
export const INSULIN = `${RXNORM}|311041`;

/** A deterministic pseudo-random generator (mulberry32), so every run loads the same data. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const concept = (system: string, code: string, display: string) => ({ coding: [{ system, code, display }] });
const at = (ms: number) => new Date(ms).toISOString();
const put = (resource: Resource & { id: string }): BundleEntry => ({
  resource,
  request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
});
const transaction = (entries: BundleEntry[]): Bundle => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: entries,
});

const OBSERVATIONS = [
  ['8867-4', 'Heart rate'],
  ['8480-6', 'Systolic blood pressure'],
  ['8462-4', 'Diastolic blood pressure'],
  ['29463-7', 'Body weight'],
  ['4548-4', 'Hemoglobin A1c'],
  ['2339-0', 'Glucose'],
  ['2093-3', 'Cholesterol'],
  ['39156-5', 'Body mass index'],
] as const;
const CONDITIONS = [
  ['44054006', 'Diabetes mellitus type 2'],
  ['38341003', 'Hypertension'],
  ['55822004', 'Hyperlipidemia'],
  ['195662009', 'Acute viral pharyngitis'],
  ['10509002', 'Acute bronchitis'],
] as const;
const PROCEDURES = [
  ['401191002', 'Diabetic foot examination'],
  ['252160004', 'Ophthalmic examination'],
  ['73761001', 'Colonoscopy'],
] as const;
const MEDICATIONS = [
  ['860975', 'Metformin 500 MG'],
  ['314076', 'Lisinopril 10 MG'],
  ['259255', 'Atorvastatin 80 MG'],
  ['311041', 'Insulin glargine'],
] as const;

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

/** A 4-hop path the benchmark asks for: an observation → its encounter → a medication → its condition → a later procedure. */
export type PathPair = { from: string; to: string };

/**
 * The long-history patient as transaction Bundles of one encounter each (PUT with fixed ids, so
 * later encounters can refer to earlier conditions), until `resources` resources besides the Patient.
 */
export function buildBigPatient(resources: number): { bundles: Bundle[]; pathPairs: PathPair[]; middleYear: number } {
  const random = seededRandom(42);
  const subject = { reference: `Patient/${BIG_PATIENT}` };
  const bundles: Bundle[] = [
    transaction([put({ resourceType: 'Patient', id: BIG_PATIENT, gender: 'female', birthDate: '1950-04-02' })]),
  ];
  /** Conditions so far, with the encounter they were diagnosed in. */
  const conditions: Array<{ id: string; encounter: string }> = [];
  /** Per condition, the observations in encounters whose medication treats it (not diagnosed there). */
  const treatedFrom = new Map<string, string[]>();
  const pathPairs: PathPair[] = [];
  let count = 0;
  const first = Date.UTC(2005, 0, 3, 8);
  let start = first;
  for (let index = 0; count < resources; index++) {
    const encounter = `big-e${index}`;
    const entries: BundleEntry[] = [];
    const during = { reference: `Encounter/${encounter}` };
    let newCondition: string | undefined;
    if (index % 8 === 0 || conditions.length === 0) {
      const [code, display] = pick(random, CONDITIONS);
      newCondition = `big-c${conditions.length}`;
      entries.push(
        put({
          resourceType: 'Condition',
          id: newCondition,
          subject,
          encounter: during,
          code: concept(SNOMED, code, display),
          onsetDateTime: at(start + 40 * 60_000),
        }),
      );
      conditions.push({ id: newCondition, encounter });
    }
    entries.unshift(
      put({
        resourceType: 'Encounter',
        id: encounter,
        status: 'finished',
        class: { system: ACT_CODE, code: 'AMB' },
        type: [concept(SNOMED, '185349003', 'Encounter for check up')],
        subject,
        period: { start: at(start), end: at(start + 60 * 60_000) },
        ...(newCondition ? { diagnosis: [{ condition: { reference: `Condition/${newCondition}` } }] } : {}),
      }),
    );
    const observations = OBSERVATIONS.map((_, slot) => `big-e${index}-o${slot}`);
    OBSERVATIONS.forEach(([code, display], slot) => {
      entries.push(
        put({
          resourceType: 'Observation',
          id: observations[slot] ?? '',
          status: 'final',
          code: concept(LOINC, code, display),
          subject,
          encounter: during,
          effectiveDateTime: at(start + (slot + 1) * 60_000),
          valueQuantity: { value: Math.round(random() * 1000) / 10, unit: '1' },
        }),
      );
    });
    entries.push(
      put({
        resourceType: 'DiagnosticReport',
        id: `big-e${index}-r`,
        status: 'final',
        code: concept(LOINC, '24323-8', 'Comprehensive metabolic panel'),
        subject,
        encounter: during,
        effectiveDateTime: at(start + 30 * 60_000),
        result: observations.slice(4).map((id) => ({ reference: `Observation/${id}` })),
      }),
    );
    if (random() < 0.7) {
      const treated = pick(random, conditions);
      const [code, display] = pick(random, MEDICATIONS);
      entries.push(
        put({
          resourceType: 'MedicationRequest',
          id: `big-e${index}-m`,
          status: 'active',
          intent: 'order',
          medicationCodeableConcept: concept(RXNORM, code, display),
          subject,
          encounter: during,
          authoredOn: at(start + 50 * 60_000),
          reasonReference: [{ reference: `Condition/${treated.id}` }],
        }),
      );
      if (treated.encounter !== encounter) {
        treatedFrom.set(treated.id, [...(treatedFrom.get(treated.id) ?? []), `Observation/${observations[0] ?? ''}`]);
      }
    }
    if (random() < 0.5) {
      const treated = pick(random, conditions);
      const [code, display] = pick(random, PROCEDURES);
      const procedure = `big-e${index}-p`;
      entries.push(
        put({
          resourceType: 'Procedure',
          id: procedure,
          status: 'completed',
          code: concept(SNOMED, code, display),
          subject,
          encounter: during,
          performedDateTime: at(start + 55 * 60_000),
          reasonReference: [{ reference: `Condition/${treated.id}` }],
        }),
      );
      // A medication in an earlier encounter treats the same condition, diagnosed elsewhere: an
      // observation there is 4 hops from this procedure (and no fewer).
      const from = (treatedFrom.get(treated.id) ?? []).find((ref) => !ref.startsWith(`Observation/big-e${index}-`));
      if (from && treated.encounter !== encounter && pathPairs.length < 200) {
        pathPairs.push({ from, to: `Procedure/${procedure}` });
      }
    }
    count += entries.length;
    bundles.push(transaction(entries));
    start += Math.round((4 + random() * 10) * DAY_MS);
  }
  return { bundles, pathPairs, middleYear: new Date((first + start) / 2).getUTCFullYear() };
}

/**
 * `patients` diabetes patients (one Bundle each): a diagnosis, then steps drawn from a few common
 * treatments, and insulin for most; plus a Group of them all.
 */
export function buildCohort(patients: number): Bundle[] {
  const random = seededRandom(7);
  const bundles: Bundle[] = [];
  const members: string[] = [];
  for (let index = 0; index < patients; index++) {
    const patient = `cohort-${index}`;
    members.push(patient);
    const subject = { reference: `Patient/${patient}` };
    let time = Date.UTC(2010, 0, 1) + Math.floor(random() * 3000) * DAY_MS;
    const entries: BundleEntry[] = [
      put({ resourceType: 'Patient', id: patient, birthDate: `${1940 + Math.floor(random() * 50)}-06-15` }),
      put({
        resourceType: 'Condition',
        id: `${patient}-dm`,
        subject,
        code: concept(SNOMED, '44054006', 'Diabetes mellitus type 2'),
        onsetDateTime: at(time),
      }),
    ];
    const step = (id: string, build: (when: string) => Resource) => {
      time += Math.floor(10 + random() * 120) * DAY_MS;
      entries.push(put({ ...build(at(time)), id: `${patient}-${id}` }));
    };
    const medication =
      (code: string, display: string) =>
      (when: string): Resource => ({
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        subject,
        medicationCodeableConcept: concept(RXNORM, code, display),
        authoredOn: when,
      });
    for (let observation = 0; observation < 3; observation++) {
      step(`o${observation}`, (when) => ({
        resourceType: 'Observation',
        status: 'final',
        subject,
        code: concept(LOINC, '4548-4', 'Hemoglobin A1c'),
        effectiveDateTime: when,
      }));
    }
    if (random() < 0.8) {
      step('metformin', medication('860975', 'Metformin 500 MG'));
    }
    if (random() < 0.3) {
      step('htn', (when) => ({
        resourceType: 'Condition',
        subject,
        code: concept(SNOMED, '38341003', 'Hypertension'),
        onsetDateTime: when,
      }));
    }
    if (random() < 0.4) {
      step('foot', (when) => ({
        resourceType: 'Procedure',
        status: 'completed',
        subject,
        code: concept(SNOMED, '401191002', 'Diabetic foot examination'),
        performedDateTime: when,
      }));
    }
    if (random() < 0.3) {
      step('sulfonylurea', medication('310489', 'Glipizide 5 MG'));
    }
    if (random() < 0.7) {
      step('insulin', medication('311041', 'Insulin glargine'));
    }
    bundles.push(transaction(entries));
  }
  bundles.push(
    transaction([
      put({
        resourceType: 'Group',
        id: COHORT_GROUP,
        type: 'person',
        actual: true,
        member: members.map((id) => ({ entity: { reference: `Patient/${id}` } })),
      }),
    ]),
  );
  return bundles;
}
