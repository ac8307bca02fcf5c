import { createHash } from 'node:crypto';
import { loadSyntheaBundles, SYNTHEA_DIR } from '../fhir-store/http-load.ts';

/**
 * A large Synthea-like dataset from the few dev Synthea patients: each clone is one source patient
 * bundle with new ids, every reference rewritten to them, every date shifted by the clone's number
 * of days, varied names, street and phone numbers and clone-specific identifier values, so searches
 * by name, birthdate or identifier stay selective however many clones there are, and every clone is
 * a person of its own to the master patient index.
 */

type JsonObject = Record<string, unknown>;

/** One entry of a source bundle: the `fullUrl` (`urn:uuid:…`) and the resource as written. */
export type SourceEntry = { fullUrl: string; resourceType: string; originalId: string; resource: JsonObject };

/** One source patient bundle, parsed. */
export type SourceBundle = { name: string; entries: SourceEntry[] };

/** What one clone is made of. */
export type CloneSpec = {
  /** Unique per clone; every id is derived from it, so no two clones share an id. */
  key: string;
  /** Indexes into the sources; several for the big patient, whose clinical data they all add to. */
  sources: number[];
  shiftDays: number;
  /** Appended to the family name, put in front of the given names. */
  nameSuffix: string;
  /** The clone's number, which its Patient's street number and phone number carry. */
  cloneNumber: number;
};

/** A stored resource of a clone: its type, new id and content (without meta, as a create body). */
export type ClonedResource = { resourceType: string; id: string; resource: JsonObject };

/** What the queries need to know about one cloned patient: values that match its data. */
export type PatientSample = {
  patientId: string;
  family: string;
  birthDate: string;
  identifier: { system: string; value: string } | undefined;
  /** Its most frequent LOINC Observation code, and the date of the median such Observation. */
  observation: { code: string; date: string } | undefined;
  encounters: number;
  observations: number;
  resources: number;
};

/** Resource types outside the Patient compartment: shared by a patient's data, not part of it. */
const NON_COMPARTMENT_TYPES = new Set(['Organization', 'Practitioner', 'PractitionerRole', 'Location']);

const LOINC = 'http://loinc.org';
const DATE = /^(\d{4})-(\d{2})-(\d{2})((?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2}))?)$/;
const SYLLABLES = ['ra', 'no', 'ki', 'lu', 've', 'sa', 'mo', 'ti', 'da', 'fe', 'go', 'hu', 'ja', 'le', 'mi', 'pa'];
const DAY_MS = 86_400_000;

/** The dev Synthea patient bundles, parsed; the shared hospital and practitioner bundles are left out. */
export function loadSources(dir: string = SYNTHEA_DIR): SourceBundle[] {
  return loadSyntheaBundles(dir).map((bundle) => {
    const parsed = JSON.parse(bundle.text) as { entry?: Array<{ fullUrl?: string; resource?: JsonObject }> };
    const entries = (parsed.entry ?? []).map((entry, index): SourceEntry => {
      const resource = entry.resource;
      const resourceType = resource?.resourceType;
      if (!resource || typeof resourceType !== 'string' || !entry.fullUrl) {
        throw new Error(`${bundle.name}: entry ${index} has no fullUrl or resource`);
      }
      return { fullUrl: entry.fullUrl, resourceType, originalId: entry.fullUrl.replace(/^urn:uuid:/, ''), resource };
    });
    if (entries.filter((entry) => entry.resourceType === 'Patient').length !== 1) {
      throw new Error(`${bundle.name}: expected exactly one Patient`);
    }
    return { name: bundle.name, entries };
  });
}

// RFC 4122 URL namespace: the name hashed under it is prefixed with this benchmark's own URL.
const NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/** A name-based (SHA-1, version 5) UUID, RFC 4122 §4.3: the same name always gives the same id. */
export function uuidV5(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`caregraph:bench:fhir-search:${name}`).digest();
  hash.writeUInt8((hash.readUInt8(6) & 0x0f) | 0x50, 6);
  hash.writeUInt8((hash.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A FHIR date, dateTime or instant moved by whole days; time of day and offset stay as written. */
export function shiftDate(value: string, days: number): string {
  const match = DATE.exec(value);
  if (!match) {
    return value;
  }
  const [, year, month, day, rest = ''] = match;
  const shifted = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)) + days * DAY_MS);
  return `${shifted.toISOString().slice(0, 10)}${rest}`;
}

/** The regular clone number `index` (0-based): sources round-robin, each pass with new dates and names. */
export function regularClone(index: number, sourceCount: number): CloneSpec {
  const round = Math.floor(index / sourceCount);
  return {
    key: `c${index}`,
    sources: [index % sourceCount],
    // Back in time only, up to ten years, spread so clones of one source rarely share a birthdate.
    shiftDays: -((index * 7919) % 3653),
    nameSuffix: `${SYLLABLES[round % 16] ?? ''}${SYLLABLES[Math.floor(round / 16) % 16] ?? ''}`,
    cloneNumber: index,
  };
}

/** Resources of a source in the Patient compartment besides the Patient itself. */
function clinicalSize(source: SourceBundle): number {
  return source.entries.filter(
    (entry) => entry.resourceType !== 'Patient' && !NON_COMPARTMENT_TYPES.has(entry.resourceType),
  ).length;
}

/**
 * The big patient: the largest sources' clinical resources merged onto one Patient until its
 * compartment (the Patient included) holds at least `minResources` resources.
 */
export function bigPatientClone(sources: SourceBundle[], minResources: number): CloneSpec {
  const bySize = sources.map((source, index) => ({ index, size: clinicalSize(source) }));
  bySize.sort((a, b) => b.size - a.size);
  const chosen: number[] = [];
  // The merged Patient itself.
  let total = 1;
  for (const { index, size } of bySize) {
    if (total >= minResources) {
      break;
    }
    chosen.push(index);
    total += size;
  }
  if (total < minResources) {
    throw new Error(`all sources together have only ${total} compartment resources, fewer than ${minResources}`);
  }
  return { key: 'big', sources: chosen, shiftDays: -1000, nameSuffix: 'big', cloneNumber: 9999 };
}

/** How many resources a clone stores. */
export function cloneSize(spec: CloneSpec, sources: SourceBundle[]): number {
  const ids = new Set<string>();
  let patients = 0;
  for (const index of spec.sources) {
    for (const entry of sources[index]?.entries ?? []) {
      if (entry.resourceType === 'Patient') {
        patients++;
      } else {
        ids.add(entry.fullUrl);
      }
    }
  }
  return ids.size + Math.min(patients, 1);
}

/**
 * Deep-copies a value, rewriting every `reference` through `references` (failing on an unresolved
 * `urn:uuid:` one) and shifting every string that is a full date.
 */
function transform(value: unknown, references: ReadonlyMap<string, string>, shiftDays: number): unknown {
  if (typeof value === 'string') {
    return shiftDays !== 0 && value.length >= 10 && value.charCodeAt(4) === 45 ? shiftDate(value, shiftDays) : value;
  }
  if (Array.isArray(value)) {
    return value.map((item) => transform(item, references, shiftDays));
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'reference' && typeof child === 'string') {
      const replacement = references.get(child);
      if (replacement === undefined && child.startsWith('urn:uuid:')) {
        throw new Error(`unresolved reference ${child}`);
      }
      result[key] = replacement ?? child;
    } else {
      result[key] = transform(child, references, shiftDays);
    }
  }
  return result;
}

function suffixIdentifiers(resource: JsonObject, suffix: string): void {
  if (!Array.isArray(resource.identifier)) {
    return;
  }
  resource.identifier = (resource.identifier as JsonObject[]).map((identifier) =>
    typeof identifier.value === 'string' ? { ...identifier, value: `${identifier.value}-${suffix}` } : identifier,
  );
}

/**
 * Makes a clone's Patient another person: the family name gets the clone's suffix and the given
 * names its syllables in front, the street number becomes the clone's number, and the phone number
 * (after its area code) and every identifier get other digits and letters in the same places.
 * Without this every clone of a source would share its given name, address and phone, and its
 * identifiers would differ by one edit, so the master patient index would rightly put all of them in
 * one golden record (143 members at 1M resources, each Patient listing the other 142 in
 * `Patient.link`): not the thousands of different patients the dataset stands for.
 */
function distinguishPatient(patient: JsonObject, spec: CloneSpec): void {
  if (Array.isArray(patient.name)) {
    patient.name = (patient.name as JsonObject[]).map((name) => ({
      ...name,
      ...(typeof name.family === 'string' ? { family: `${name.family}${spec.nameSuffix}` } : {}),
      ...(Array.isArray(name.given)
        ? {
            given: (name.given as unknown[]).map((given) =>
              typeof given === 'string' ? prefixed(spec, given) : given,
            ),
          }
        : {}),
    }));
  }
  if (Array.isArray(patient.address)) {
    patient.address = (patient.address as JsonObject[]).map((address) =>
      Array.isArray(address.line)
        ? {
            ...address,
            line: (address.line as unknown[]).map((line, index) =>
              index === 0 && typeof line === 'string' ? `${spec.cloneNumber + 1} ${line.replace(/^\d+\s*/, '')}` : line,
            ),
          }
        : address,
    );
  }
  if (Array.isArray(patient.telecom)) {
    patient.telecom = (patient.telecom as JsonObject[]).map((telecom) =>
      telecom.system === 'phone' && typeof telecom.value === 'string'
        ? { ...telecom, value: `${telecom.value.slice(0, 3)}${scramble(spec.key, telecom.value.slice(3))}` }
        : telecom,
    );
  }
  if (Array.isArray(patient.identifier)) {
    patient.identifier = (patient.identifier as JsonObject[]).map((identifier) =>
      typeof identifier.value === 'string'
        ? { ...identifier, value: scramble(spec.key, identifier.value) }
        : identifier,
    );
  }
}

/**
 * `value` with every digit and letter replaced by one of the same kind drawn from a hash of the
 * clone's key and the value: the format stays (`999-84-4261` → `372-19-5583`), the characters differ
 * from another clone's in most places, and the same clone always gets the same value.
 */
export function scramble(key: string, value: string): string {
  const bytes = createHash('sha256').update(`${key}/${value}`).digest();
  return value.replace(/[0-9A-Za-z]/g, (char, offset: number) => {
    const byte = bytes[offset % bytes.length] ?? 0;
    if (char >= '0' && char <= '9') {
      return String(byte % 10);
    }
    const letter = String.fromCharCode(97 + (byte % 26));
    return char === char.toUpperCase() ? letter.toUpperCase() : letter;
  });
}

/** A given name with the clone's suffix syllables in front (`Adán` → `Ranoadán`), or unchanged without one. */
function prefixed(spec: CloneSpec, given: string): string {
  return spec.nameSuffix === ''
    ? given
    : `${spec.nameSuffix.charAt(0).toUpperCase()}${spec.nameSuffix.slice(1)}${given.toLowerCase()}`;
}

/**
 * The resources of one clone, as the server would store them from the source bundle's POST entries:
 * new ids, references to `Type/newId`. For the big patient, every source's Patient becomes the
 * first source's, and resources the sources share (the same Practitioner) are stored once.
 */
export function cloneResources(spec: CloneSpec, sources: SourceBundle[]): ClonedResource[] {
  const chosen = spec.sources.map((index) => {
    const source = sources[index];
    if (!source) {
      throw new Error(`no source bundle ${index}`);
    }
    return source;
  });
  const patientEntry = chosen[0]?.entries.find((entry) => entry.resourceType === 'Patient');
  if (!patientEntry) {
    throw new Error(`clone ${spec.key} has no Patient`);
  }
  const patientId = uuidV5(`${spec.key}/${patientEntry.originalId}`);
  const references = new Map<string, string>();
  const kept: Array<{ entry: SourceEntry; id: string }> = [];
  for (const source of chosen) {
    for (const entry of source.entries) {
      const isPatient = entry.resourceType === 'Patient';
      const id = isPatient ? patientId : uuidV5(`${spec.key}/${entry.originalId}`);
      const target = `${entry.resourceType}/${id}`;
      const seen = references.has(entry.fullUrl);
      references.set(entry.fullUrl, target);
      references.set(`${entry.resourceType}/${entry.originalId}`, target);
      if (!seen && (!isPatient || entry === patientEntry)) {
        kept.push({ entry, id });
      }
    }
  }
  return kept.map(({ entry, id }) => {
    const resource = transform(entry.resource, references, spec.shiftDays) as JsonObject;
    resource.id = id;
    suffixIdentifiers(resource, spec.key);
    if (entry.resourceType === 'Patient') {
      distinguishPatient(resource, spec);
    }
    return { resourceType: entry.resourceType, id, resource };
  });
}

function loincCode(observation: JsonObject): string | undefined {
  const coding = (observation.code as { coding?: Array<{ system?: string; code?: string }> } | undefined)?.coding;
  return coding?.find((item) => item.system === LOINC && item.code)?.code;
}

/** The query values of a cloned patient, read from its resources. */
export function samplePatient(resources: ClonedResource[]): PatientSample {
  const patient = resources.find((item) => item.resourceType === 'Patient');
  if (!patient) {
    throw new Error('a clone without a Patient');
  }
  const name = (patient.resource.name as Array<{ family?: string }> | undefined)?.[0];
  const identifiers = (patient.resource.identifier ?? []) as Array<{
    system?: string;
    value?: string;
    type?: { coding?: Array<{ code?: string }> };
  }>;
  const mrn = identifiers.find((item) => item.type?.coding?.some((coding) => coding.code === 'MR')) ?? identifiers[0];
  const datesByCode = new Map<string, string[]>();
  for (const { resourceType, resource } of resources) {
    const date = resource.effectiveDateTime;
    const code = resourceType === 'Observation' ? loincCode(resource) : undefined;
    if (code && typeof date === 'string') {
      datesByCode.set(code, [...(datesByCode.get(code) ?? []), date.slice(0, 10)]);
    }
  }
  const [code, dates] = [...datesByCode].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
  const medianDate = dates?.sort()[Math.floor(dates.length / 2)];
  return {
    patientId: patient.id,
    family: name?.family ?? '',
    birthDate: typeof patient.resource.birthDate === 'string' ? patient.resource.birthDate : '',
    identifier: mrn?.system && mrn.value ? { system: mrn.system, value: mrn.value } : undefined,
    observation: code && medianDate ? { code, date: medianDate } : undefined,
    encounters: resources.filter((item) => item.resourceType === 'Encounter').length,
    observations: resources.filter((item) => item.resourceType === 'Observation').length,
    resources: resources.length,
  };
}

/**
 * The clones to load: `patients` regular ones when given, else as many as reach `minResources`
 * (and at least `minPatients`), plus the big patient (counted in neither).
 */
export function planClones(
  sources: SourceBundle[],
  options: { patients?: number | undefined; minPatients: number; minResources: number; bigPatientResources: number },
): { specs: CloneSpec[]; resources: number; big: CloneSpec } {
  const big = bigPatientClone(sources, options.bigPatientResources);
  const specs: CloneSpec[] = [];
  let resources = cloneSize(big, sources);
  const sizes = sources.map((source) =>
    cloneSize({ key: '', sources: [0], shiftDays: 0, nameSuffix: '', cloneNumber: 0 }, [source]),
  );
  const isEnough = () =>
    options.patients === undefined
      ? specs.length >= options.minPatients && resources >= options.minResources
      : specs.length >= options.patients;
  while (!isEnough()) {
    const spec = regularClone(specs.length, sources.length);
    specs.push(spec);
    resources += sizes[spec.sources[0] ?? 0] ?? 0;
  }
  return { specs, resources, big };
}
