/** Small valid R4 Patients, different for every sequence number, so no two writes are identical. */

const GIVEN = ['Ada', 'Bram', 'Chioma', 'Dmitri', 'Elif', 'Farah', 'Goran', 'Hana', 'Ines', 'Jonas', 'Kaito', 'Lena'];
const FAMILY = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Novak', 'Silva', 'Haddad', 'Kowalski', 'Nguyen', 'Brennan'];
const CITIES = ['Utrecht', 'Leeds', 'Porto', 'Gdansk', 'Lyon', 'Bergen', 'Graz'];
const GENDERS = ['female', 'male', 'other', 'unknown'] as const;

function pick<T>(list: readonly T[], seq: number): T {
  return list[seq % list.length] as T;
}

/** A Patient for sequence number `seq`; with `id` (updates) the body carries it. */
export function makePatient(seq: number, id?: string): Record<string, unknown> {
  const day = new Date(Date.UTC(1940, 0, 1) + (seq % 25_000) * 86_400_000).toISOString().slice(0, 10);
  return {
    resourceType: 'Patient',
    ...(id ? { id } : {}),
    identifier: [{ use: 'usual', system: 'urn:caregraph:bench:mrn', value: `MRN-${seq}` }],
    active: seq % 10 !== 0,
    name: [{ use: 'official', family: pick(FAMILY, seq), given: [pick(GIVEN, seq >> 3), pick(GIVEN, seq >> 7)] }],
    telecom: [{ system: 'phone', value: `+31 6 ${String(seq % 100_000_000).padStart(8, '0')}`, use: 'mobile' }],
    gender: pick(GENDERS, seq),
    birthDate: day,
    address: [
      {
        use: 'home',
        line: [`${(seq % 300) + 1} Bench Street`],
        city: pick(CITIES, seq),
        postalCode: String(1000 + (seq % 9000)),
      },
    ],
  };
}

/** The Patient as the server stores it (id and meta set), as JSON text: what the raw driver inserts. */
export function storedPatientJson(seq: number, id: string, lastUpdated: Date): string {
  return JSON.stringify({ ...makePatient(seq), id, meta: { versionId: '1', lastUpdated: lastUpdated.toISOString() } });
}
