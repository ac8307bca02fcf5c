// A synthetic patient record of a chosen size, as FHIR transaction bundles: a realistic mix of
// vital signs, labs, encounters, problems, medications, immunizations and allergies over years.
type Resource = Record<string, unknown> & { resourceType: string };

const VITALS = [
  { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]', base: 125, spread: 20 },
  { code: '8462-4', display: 'Diastolic blood pressure', unit: 'mm[Hg]', base: 80, spread: 12 },
  { code: '8867-4', display: 'Heart rate', unit: '/min', base: 72, spread: 15 },
  { code: '29463-7', display: 'Body weight', unit: 'kg', base: 78, spread: 6 },
  { code: '8310-5', display: 'Body temperature', unit: 'Cel', base: 36.8, spread: 0.8 },
  { code: '2708-6', display: 'Oxygen saturation', unit: '%', base: 97, spread: 3 },
];

const LABS = [
  { code: '2345-7', display: 'Glucose', unit: 'mg/dL', base: 95, spread: 30, low: 70, high: 99 },
  { code: '2160-0', display: 'Creatinine', unit: 'mg/dL', base: 1.0, spread: 0.4, low: 0.7, high: 1.3 },
  { code: '6298-4', display: 'Potassium', unit: 'mmol/L', base: 4.3, spread: 0.9, low: 3.5, high: 5.1 },
  { code: '2951-2', display: 'Sodium', unit: 'mmol/L', base: 140, spread: 5, low: 136, high: 145 },
  { code: '718-7', display: 'Hemoglobin', unit: 'g/dL', base: 14, spread: 2, low: 13.5, high: 17.5 },
];

const CONDITIONS = [
  ['38341003', 'Hypertensive disorder'],
  ['44054006', 'Diabetes mellitus type 2'],
  ['195662009', 'Acute viral pharyngitis'],
  ['10509002', 'Acute bronchitis'],
  ['55822004', 'Hyperlipidemia'],
] as const;

/** A deterministic pseudo-random sequence, so every run measures the same record. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const quantity = (value: number, unit: string) => ({
  value: Math.round(value * 10) / 10,
  unit,
  system: 'http://unitsofmeasure.org',
  code: unit,
});

const category = (code: string) => [
  { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code }] },
];

/**
 * The patient and `total - 1` resources referring to it by `urn:uuid` (see `transactionBundle`).
 * Encounters name `practitioner`, which puts the patient in that practitioner's care.
 */
export function buildPatientRecord(options: { total: number; practitioner: string; now: Date }): Resource[] {
  const random = sequence(42);
  const resources: Resource[] = [];
  const day = 86_400_000;
  const at = (daysAgo: number) => new Date(options.now.getTime() - daysAgo * day).toISOString();
  const subject = { reference: 'urn:uuid:bench-patient' };
  const visits = Math.max(1, Math.round((options.total - 1) / 12));
  for (let visit = 0; visit < visits && resources.length < options.total - 1; visit += 1) {
    const daysAgo = Math.round(((visits - visit) / visits) * 3650);
    const encounterUrl = `urn:uuid:bench-encounter-${visit}`;
    resources.push({
      resourceType: 'Encounter',
      id: encounterUrl,
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      type: [{ text: 'General examination' }],
      subject,
      participant: [{ individual: { reference: options.practitioner } }],
      period: { start: at(daysAgo), end: at(daysAgo - 0.02) },
    });
    const encounter = { reference: encounterUrl };
    for (const vital of VITALS) {
      resources.push({
        resourceType: 'Observation',
        status: 'final',
        category: category('vital-signs'),
        code: { coding: [{ system: 'http://loinc.org', code: vital.code, display: vital.display }] },
        subject,
        encounter,
        effectiveDateTime: at(daysAgo),
        valueQuantity: quantity(vital.base + (random() - 0.5) * vital.spread, vital.unit),
      });
    }
    for (const lab of LABS) {
      resources.push({
        resourceType: 'Observation',
        status: 'final',
        category: category('laboratory'),
        code: { coding: [{ system: 'http://loinc.org', code: lab.code, display: lab.display }] },
        subject,
        encounter,
        effectiveDateTime: at(daysAgo),
        valueQuantity: quantity(lab.base + (random() - 0.5) * lab.spread, lab.unit),
        referenceRange: [{ low: quantity(lab.low, lab.unit), high: quantity(lab.high, lab.unit) }],
      });
    }
  }
  let index = 0;
  while (resources.length < options.total - 1) {
    const daysAgo = Math.round(random() * 3650);
    const kind = index % 3;
    const condition = CONDITIONS[index % CONDITIONS.length] ?? CONDITIONS[0];
    if (kind === 0) {
      resources.push({
        resourceType: 'Condition',
        clinicalStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
        },
        code: { coding: [{ system: 'http://snomed.info/sct', code: condition[0], display: condition[1] }] },
        subject,
        onsetDateTime: at(daysAgo),
      });
    } else if (kind === 1) {
      resources.push({
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: { text: `Medication ${index}` },
        subject,
        authoredOn: at(daysAgo),
      });
    } else {
      resources.push({
        resourceType: 'Immunization',
        status: 'completed',
        vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140', display: 'Influenza' }] },
        patient: subject,
        occurrenceDateTime: at(daysAgo),
      });
    }
    index += 1;
  }
  const patient: Resource = {
    resourceType: 'Patient',
    id: 'urn:uuid:bench-patient',
    name: [{ given: ['Bench'], family: 'Twothousand' }],
    gender: 'female',
    birthDate: '1961-05-04',
  };
  return [patient, ...resources];
}

/**
 * One transaction bundle: `urn:uuid` ids become fullUrls the other entries refer to (FHIR R4
 * §3.1.0.11.2), so the whole record is written at once and every reference resolves.
 */
export function transactionBundle(resources: Resource[]): Resource {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => {
      const { id, ...body } = resource;
      const fullUrl = typeof id === 'string' && id.startsWith('urn:uuid:') ? id : undefined;
      return {
        ...(fullUrl === undefined ? {} : { fullUrl }),
        resource: body,
        request: { method: 'POST', url: resource.resourceType },
      };
    }),
  };
}
