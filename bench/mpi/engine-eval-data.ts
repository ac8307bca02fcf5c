// Conversion of the MPI development data sets (/work/shared/data/mpi-dev: FEBRL 1–3 and Splink's fake_1000)
// into FHIR R4 Patients, shared by the engine evaluation and the end-to-end MPI benchmark.
//
// FEBRL's soc_sec_id becomes an identifier of its own system without an identifier type, so the matcher
// treats it like an MRN (non-authoritative): FEBRL corrupts it in duplicates and sometimes replaces it
// with another person's number, which is how self-reported numbers behave in registration data. Were it
// marked authoritative (type SS), each such replacement would count as strong evidence against a true match.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';

export const FEBRL_SOC_SEC_ID_SYSTEM = 'http://caregraph.dev/fhir/sid/febrl-soc-sec-id';

/** Parses RFC 4180 CSV (quotes, doubled quotes, CRLF) into rows of trimmed cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charAt(index);
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (char === '"') {
        quoted = false;
      } else {
        cell += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      row.push(cell.trim());
      cell = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') {
        index++;
      }
      row.push(cell.trim());
      rows.push(row);
      row = [];
      cell = '';
    } else {
      cell += char;
    }
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell.trim());
    rows.push(row);
  }
  return rows.filter((cells) => !(cells.length === 1 && cells[0] === ''));
}

/** CSV rows as objects keyed by the header's column names. */
export function readCsvObjects(path: string): Array<Record<string, string>> {
  const [header = [], ...rows] = parseCsv(readFileSync(path, 'utf8'));
  return rows.map((cells) => Object.fromEntries(header.map((name, index) => [name, cells[index] ?? ''])));
}

/** YYYYMMDD or YYYY-MM-DD → YYYY-MM-DD when it is a real calendar date (the FHIR API rejects others). */
export function toFhirDate(value: string): string | undefined {
  const match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value.trim());
  if (!match) {
    return undefined;
  }
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  const isReal = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return isReal ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}

const present = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/** One FEBRL row as a Patient whose id is the row's rec_id. */
export function febrlRowToPatient(row: Record<string, string>, source: string): Patient {
  const patient: Patient = { resourceType: 'Patient', id: row.rec_id ?? '', meta: { source } };
  const given = row.given_name;
  const family = row.surname;
  if (present(given) || present(family)) {
    patient.name = [{ ...(present(family) ? { family } : {}), ...(present(given) ? { given: [given] } : {}) }];
  }
  const birthDate = toFhirDate(row.date_of_birth ?? '');
  if (birthDate) {
    patient.birthDate = birthDate;
  }
  const firstLine = [row.street_number, row.address_1].filter(present).join(' ');
  const line = [firstLine, row.address_2].filter(present);
  if (line.length > 0 || present(row.suburb) || present(row.postcode)) {
    patient.address = [
      {
        ...(line.length > 0 ? { line } : {}),
        ...(present(row.suburb) ? { city: row.suburb } : {}),
        ...(present(row.postcode) ? { postalCode: row.postcode } : {}),
        ...(present(row.state) ? { state: row.state } : {}),
      },
    ];
  }
  if (present(row.soc_sec_id)) {
    patient.identifier = [{ system: FEBRL_SOC_SEC_ID_SYSTEM, value: row.soc_sec_id }];
  }
  return patient;
}

/** One fake_1000 row (first_name, surname, dob, city, email) as a Patient whose id is its unique_id. */
export function fakeRowToPatient(row: Record<string, string>, source: string): Patient {
  const patient: Patient = { resourceType: 'Patient', id: row.unique_id ?? '', meta: { source } };
  if (present(row.first_name) || present(row.surname)) {
    patient.name = [
      {
        ...(present(row.surname) ? { family: row.surname } : {}),
        ...(present(row.first_name) ? { given: [row.first_name] } : {}),
      },
    ];
  }
  const birthDate = toFhirDate(row.dob ?? '');
  if (birthDate) {
    patient.birthDate = birthDate;
  }
  if (present(row.city)) {
    patient.address = [{ city: row.city }];
  }
  if (present(row.email)) {
    patient.telecom = [{ system: 'email', value: row.email }];
  }
  return patient;
}

type Manifest = { name: string; idColumn: string; files: Array<{ path: string; source: string }> };

export type DevDataset = { name: string; dir: string; patients: Patient[] };

/** Reads one data set folder (manifest.json + its CSV files) as Patients; meta.source names the file's source. */
export function readDevDataset(dir: string): DevDataset {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const patients = manifest.files.flatMap((file) => {
    const source = `urn:caregraph:mpi-dev:${manifest.name}:${file.source}`;
    const rows = readCsvObjects(join(dir, file.path));
    return rows.map((row) =>
      manifest.idColumn === 'rec_id' ? febrlRowToPatient(row, source) : fakeRowToPatient(row, source),
    );
  });
  return { name: manifest.name, dir, patients };
}

/** rec_id → entity id from the data set's truth.csv. */
export function readTruth(dir: string): Map<string, string> {
  return new Map(readCsvObjects(join(dir, 'truth.csv')).map((row) => [row.rec_id ?? '', row.entity_id ?? '']));
}
