// Synthetic patient population for the MPI benchmarks: people drawn from real name frequency
// lists, each registered in one or more source systems, some registrations corrupted, with the
// ground truth beside every record. Deterministic by seed and streamed: a person is generated from
// its own seeded generator, and only the duplicates waiting to be shuffled in are held in memory.
import type { Patient } from '@medplum/fhirtypes';
import { corruptDemographics, type CorruptionKind } from './corrupt.ts';
import { copyDemographics, createPerson, type Demographics } from './person.ts';
import { STREET_ABBREVIATIONS } from './places.ts';
import { chance, createRandom, pick, pickWeighted, randomInt, weightedList, type Random } from './random.ts';

/** A system that registers patients and assigns its own medical record numbers. */
export type SourceSystem = {
  /** Short name, also the `source` column of the ground truth. */
  id: string;
  /** `Patient.meta.source`. */
  uri: string;
  /** The identifier system of its record numbers. */
  mrnSystem: string;
  /** Share of registrations it makes. */
  weight: number;
  /** Whether it writes names in capitals (HL7 v2 feeds usually do). */
  isUpperCase: boolean;
};

export const SOURCE_SYSTEMS: readonly SourceSystem[] = [
  {
    id: 'hospital',
    uri: 'http://hospital.example.org',
    mrnSystem: 'http://hospital.example.org/fhir/sid/mrn',
    weight: 4,
    isUpperCase: false,
  },
  {
    id: 'lab',
    uri: 'http://lab.example.org',
    mrnSystem: 'http://lab.example.org/fhir/sid/accession-patient',
    weight: 2,
    isUpperCase: true,
  },
  {
    id: 'clinic',
    uri: 'http://clinic.example.org',
    mrnSystem: 'http://clinic.example.org/fhir/sid/mrn',
    weight: 2,
    isUpperCase: false,
  },
  {
    id: 'portal',
    uri: 'http://portal.example.org',
    mrnSystem: 'http://portal.example.org/fhir/sid/account',
    weight: 1,
    isUpperCase: false,
  },
  {
    id: 'pharmacy',
    uri: 'http://pharmacy.example.org',
    mrnSystem: 'http://pharmacy.example.org/fhir/sid/customer',
    weight: 1,
    isUpperCase: true,
  },
];

export const NATIONAL_ID_SYSTEM = 'http://hl7.org/fhir/sid/us-ssn';

export type PopulationOptions = {
  seed: number | string;
  /** Patient records to produce. */
  records: number;
  /** Share of people registered more than once (default 0.3). */
  duplicateRate?: number;
  /** Most records one person can have (default 5). */
  maxRecordsPerPerson?: number;
  /** Share of a person's second and later records that are corrupted (default 0.4). */
  corruptionRate?: number;
  /** Share of repeat registrations made by a source that already holds the person (default 0.05). */
  sameSourceRate?: number;
  /** How many people later a duplicate may appear (default 10,000), so duplicates are not adjacent. */
  shuffleWindow?: number;
  sources?: readonly SourceSystem[];
};

/** One Patient record and the truth about it. */
export type PopulationRecord = {
  /** Unique record id, usable as `Patient.id`: `p<person>-<n>`. */
  recordId: string;
  /** The person (entity) it belongs to: `p<person>`. */
  entityId: string;
  source: string;
  /** 0 for the person's first record; later ones are the duplicates. */
  ordinal: number;
  corruptions: CorruptionKind[];
  patient: Patient;
};

/** What a generation produced, filled in as records are taken. */
export type PopulationStats = {
  records: number;
  people: number;
  /** Pairs of records of the same person: what a perfect matcher links. */
  truePairs: number;
  duplicates: number;
  corrupted: number;
  corruptions: Partial<Record<CorruptionKind, number>>;
};

type Settings = Required<Omit<PopulationOptions, 'seed' | 'records'>>;

function settingsOf(options: PopulationOptions): Settings {
  return {
    duplicateRate: options.duplicateRate ?? 0.3,
    maxRecordsPerPerson: options.maxRecordsPerPerson ?? 5,
    corruptionRate: options.corruptionRate ?? 0.4,
    sameSourceRate: options.sameSourceRate ?? 0.05,
    shuffleWindow: options.shuffleWindow ?? 10_000,
    sources: options.sources ?? SOURCE_SYSTEMS,
  };
}

/** 1 record for most people; 2 up to the maximum for `duplicateRate` of them, fewer extra more often. */
function recordCount(random: Random, settings: Settings): number {
  if (!chance(random, settings.duplicateRate)) {
    return 1;
  }
  let count = 2;
  while (count < settings.maxRecordsPerPerson && chance(random, 0.45)) {
    count++;
  }
  return count;
}

/** The source of each record: distinct sources while they last, unless a source registers twice. */
function chooseSources(random: Random, count: number, settings: Settings): SourceSystem[] {
  const chosen: SourceSystem[] = [];
  for (let index = 0; index < count; index++) {
    const unused = settings.sources.filter((source) => !chosen.includes(source));
    const repeat = index > 0 && (unused.length === 0 || chance(random, settings.sameSourceRate));
    chosen.push(
      repeat
        ? pick(random, chosen)
        : pickWeighted(random, weightedList(unused.map((source) => ({ item: source, weight: source.weight })))),
    );
  }
  return chosen;
}

function formatPhone(random: Random, digits: string): string {
  const [area, exchange, line] = [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)];
  return pick(random, [
    `(${area}) ${exchange}-${line}`,
    `${area}-${exchange}-${line}`,
    digits,
    `+1 ${area} ${exchange} ${line}`,
  ]);
}

/** The FHIR Patient a source system would send for these demographics. */
export function toPatient(
  random: Random,
  record: Demographics,
  source: SourceSystem,
  mrn: string,
  recordId: string,
): Patient {
  const cased = (name: string) => (source.isUpperCase ? name.toUpperCase() : name);
  const address = record.address;
  const streetType =
    address && chance(random, 0.5)
      ? (STREET_ABBREVIATIONS[address.streetType] ?? address.streetType)
      : address?.streetType;
  return {
    resourceType: 'Patient',
    id: recordId,
    meta: { source: source.uri },
    identifier: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
        system: source.mrnSystem,
        value: mrn,
      },
      ...(record.nationalId ? [{ system: NATIONAL_ID_SYSTEM, value: record.nationalId }] : []),
    ],
    name: [{ family: cased(record.family), given: record.given.map(cased) }],
    ...(record.sex ? { gender: record.sex } : {}),
    ...(record.birthDate ? { birthDate: record.birthDate } : {}),
    ...(address
      ? {
          address: [
            {
              line: [`${address.number} ${address.street} ${streetType ?? ''}`.trim()],
              city: address.city.name,
              state: address.city.state,
              postalCode: address.postalCode,
            },
          ],
        }
      : {}),
    telecom: [
      ...(record.phone ? [{ system: 'phone' as const, value: formatPhone(random, record.phone) }] : []),
      ...(record.email ? [{ system: 'email' as const, value: record.email }] : []),
    ],
  };
}

/** Every record of person `index`, in registration order. */
function generatePerson(seed: number | string, index: number, settings: Settings): PopulationRecord[] {
  const random = createRandom(seed, 'person', index);
  const person = createPerson(random);
  const count = recordCount(random, settings);
  const sources = chooseSources(random, count, settings);
  const entityId = `p${index}`;
  return sources.map((source, ordinal) => {
    const recordRandom = createRandom(seed, 'record', index, ordinal);
    const corrupted = ordinal > 0 && chance(recordRandom, settings.corruptionRate);
    const { record, kinds } = corrupted
      ? corruptDemographics(recordRandom, person)
      : { record: copyDemographics(person), kinds: [] };
    const recordId = `${entityId}-${ordinal}`;
    // An MRN is unique within its source: derived from the person, record and source.
    const mrn = `${source.id.slice(0, 2).toUpperCase()}${String(index * 7 + ordinal).padStart(8, '0')}${randomInt(recordRandom, 0, 9)}`;
    return {
      recordId,
      entityId,
      source: source.id,
      ordinal,
      corruptions: kinds,
      patient: toPatient(recordRandom, record, source, mrn, recordId),
    };
  });
}

/** A min-heap of records by the person index after which they are released. */
class ReleaseQueue {
  private readonly heap: Array<{ at: number; record: PopulationRecord }> = [];

  get size(): number {
    return this.heap.length;
  }

  push(at: number, record: PopulationRecord): void {
    this.heap.push({ at, record });
    let child = this.heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (this.before(parent, child)) {
        break;
      }
      this.swap(parent, child);
      child = parent;
    }
  }

  /** The next record due at or before `at` (any, when `at` is Infinity), or undefined. */
  popDue(at: number): PopulationRecord | undefined {
    const top = this.heap[0];
    if (top === undefined || top.at > at) {
      return undefined;
    }
    const last = this.heap.pop();
    if (last && this.heap.length > 0) {
      this.heap[0] = last;
      let parent = 0;
      for (;;) {
        const left = parent * 2 + 1;
        const right = left + 1;
        let smallest = parent;
        if (left < this.heap.length && !this.before(smallest, left)) {
          smallest = left;
        }
        if (right < this.heap.length && !this.before(smallest, right)) {
          smallest = right;
        }
        if (smallest === parent) {
          break;
        }
        this.swap(parent, smallest);
        parent = smallest;
      }
    }
    return top.record;
  }

  /** Orders by release point, then record id, so equal release points come out the same every run. */
  private before(a: number, b: number): boolean {
    const first = this.heap[a];
    const second = this.heap[b];
    if (!first || !second) {
      return true;
    }
    return first.at < second.at || (first.at === second.at && first.record.recordId <= second.record.recordId);
  }

  private swap(a: number, b: number): void {
    const first = this.heap[a];
    const second = this.heap[b];
    if (first && second) {
      this.heap[a] = second;
      this.heap[b] = first;
    }
  }
}

export function emptyStats(): PopulationStats {
  return { records: 0, people: 0, truePairs: 0, duplicates: 0, corrupted: 0, corruptions: {} };
}

function count(stats: PopulationStats, record: PopulationRecord): void {
  stats.records++;
  if (record.ordinal > 0) {
    stats.duplicates++;
  }
  if (record.corruptions.length > 0) {
    stats.corrupted++;
  }
  for (const kind of record.corruptions) {
    stats.corruptions[kind] = (stats.corruptions[kind] ?? 0) + 1;
  }
}

/**
 * Yields exactly `options.records` records. A person's first record comes when the person is
 * generated; each later one up to `shuffleWindow` people later. `stats` (when given) is updated as
 * records are yielded; its `people` and `truePairs` count what was generated.
 */
export function* generatePopulation(
  options: PopulationOptions,
  stats: PopulationStats = emptyStats(),
): Generator<PopulationRecord> {
  const settings = settingsOf(options);
  const queue = new ReleaseQueue();
  let produced = 0;
  for (let index = 0; produced < options.records; index++) {
    const records = generatePerson(options.seed, index, settings).slice(0, options.records - produced);
    produced += records.length;
    stats.people++;
    stats.truePairs += (records.length * (records.length - 1)) / 2;
    const [first, ...later] = records;
    const releaseRandom = createRandom(options.seed, 'release', index);
    for (const record of later) {
      queue.push(index + randomInt(releaseRandom, 1, settings.shuffleWindow), record);
    }
    if (first) {
      count(stats, first);
      yield first;
    }
    for (let due = queue.popDue(index); due; due = queue.popDue(index)) {
      count(stats, due);
      yield due;
    }
  }
  for (let due = queue.popDue(Infinity); due; due = queue.popDue(Infinity)) {
    count(stats, due);
    yield due;
  }
}
