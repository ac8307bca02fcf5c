// Field encryption benchmark: what sealing national identifiers and attachments costs a FHIR write,
// what opening them costs a read and a search, measured in-process (no HTTP, no auth) on one database
// with two tenants: one written through field encryption, one without. Rounds alternate between the
// two so drift of a shared machine hits both alike. Also times the envelope itself per value.
// Usage: node bench/encryption/run.ts [--database-url postgres://…] [--patients 300] [--rounds 3]
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureTenant, migrate, openDatabase, type Database } from '../../packages/server/src/index.ts';
import { loadConfig } from '../../packages/server/src/config.ts';
import { newKeyId, openValue, sealValue } from '../../packages/server/src/modules/encryption/envelope.ts';
import {
  createKeyring,
  openSealedRows,
  withConfiguredEncryption,
} from '../../packages/server/src/modules/encryption/index.ts';
import type { Queryable } from '../../packages/server/src/platform/db/index.ts';
import { handleFhirRequest, type FhirRepo, type FhirRequest } from '../../packages/server/src/modules/fhir/index.ts';

const SSN = 'http://hl7.org/fhir/sid/us-ssn';
const RESULTS_DIR = path.resolve(import.meta.dirname, '../results');

const { values: args } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    patients: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
  },
});
const patients = Number(args.patients);
const rounds = Number(args.rounds);

type Side = 'plain' | 'sealed';
type Timings = { writesPerSecond: number[]; readsPerSecond: number[]; searchesPerSecond: number[] };

function patientWith(ssn: string): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    identifier: [
      { system: 'urn:bench:mrn', value: randomBytes(6).toString('hex') },
      { system: SSN, value: ssn },
    ],
    // Different people (names, birth dates), so the master patient index has no candidates to score.
    name: [{ family: `Bench${randomBytes(4).toString('hex')}`, given: [`G${randomBytes(4).toString('hex')}`] }],
    gender: 'unknown',
    birthDate: new Date(Date.UTC(1930, 0, 1) + randomBytes(2).readUInt16BE(0) * 86_400_000).toISOString().slice(0, 10),
    // A 4 KiB photo: attachment data is sealed too.
    photo: [{ contentType: 'image/png', data: randomBytes(4096).toString('base64') }],
  };
}

async function timed(count: number, work: (index: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < count; index += 1) {
    await work(index);
  }
  return count / ((performance.now() - started) / 1000);
}

async function runRound(repo: FhirRepo, round: number): Promise<{ writes: number; reads: number; searches: number }> {
  const ids: string[] = [];
  const ssns = Array.from({ length: patients }, (_, index) => `${round}${String(index).padStart(8, '0')}`);
  const call = (request: FhirRequest) => handleFhirRequest(repo, request);
  const writes = await timed(patients, async (index) => {
    const response = await call({ method: 'POST', path: 'Patient', query: [], body: patientWith(ssns[index] ?? '') });
    const body = response.body as { id?: string } | undefined;
    ids.push(body?.id ?? '');
  });
  const reads = await timed(patients, async (index) => {
    const response = await call({ method: 'GET', path: `Patient/${ids[index] ?? ''}`, query: [] });
    // The text must be read like a client would get it.
    JSON.parse(typeof response.body === 'string' ? response.body : JSON.stringify(response.body));
  });
  const searches = await timed(patients, async (index) => {
    const response = await call({
      method: 'GET',
      path: 'Patient',
      query: [['identifier', `${SSN}|${ssns[index] ?? ''}`]],
    });
    const bundle = (typeof response.body === 'string' ? JSON.parse(response.body) : response.body) as {
      entry?: unknown[];
    };
    if ((bundle.entry?.length ?? 0) !== 1) {
      throw new Error('the search by SSN found no single patient');
    }
  });
  return { writes, reads, searches };
}

/** CPU time to open one stored Patient row (SSN and 4 KiB photo sealed) as the database wrapper does. */
async function rowOpenMicrobench(): Promise<{ openRowMicroseconds: number; plainRowCheckMicroseconds: number }> {
  const keyring = createKeyring([randomBytes(32)]);
  const keyId = newKeyId();
  // Wrapping and unwrapping once leaves the key in the keyring's cache: no database is needed.
  keyring.unwrap(keyring.wrap({ keyId, tenantId: 'bench', purpose: 'data', version: 1 }, randomBytes(32)));
  const key = (await keyring.dataKeys(noDatabase, new Set([keyId]))).get(keyId);
  if (!key) {
    throw new Error('the key is not cached');
  }
  const ssn = '123456789';
  const photo = randomBytes(4096).toString('base64');
  const rowText = (ssnValue: string, photoData: string) =>
    JSON.stringify({
      resourceType: 'Patient',
      id: 'p1',
      identifier: [
        { system: 'urn:bench:mrn', value: 'a1b2c3' },
        { system: SSN, value: ssnValue },
      ],
      name: [{ family: 'Bench', given: ['Sam'] }],
      photo: [{ contentType: 'image/png', data: photoData }],
    });
  const plainText = rowText(ssn, photo);
  const sealedText = rowText(sealValue(key, ssn, 'Patient/p1'), sealValue(key, photo, 'Patient/p1'));
  const count = 5000;
  let started = performance.now();
  for (let index = 0; index < count; index += 1) {
    await openSealedRows(noDatabase, keyring, [{ text: sealedText }]);
  }
  const openRowMicroseconds = ((performance.now() - started) * 1000) / count;
  started = performance.now();
  for (let index = 0; index < count; index += 1) {
    await openSealedRows(noDatabase, keyring, [{ text: plainText }]);
  }
  const plainRowCheckMicroseconds = ((performance.now() - started) * 1000) / count;
  return { openRowMicroseconds, plainRowCheckMicroseconds };
}

const noDatabase: Queryable = {
  query: () => Promise.reject(new Error('the microbenchmark sends no queries')),
  exec: () => Promise.reject(new Error('the microbenchmark sends no queries')),
};

function envelopeMicrobench(): { sealMicroseconds: number; openMicroseconds: number } {
  const key = { keyId: newKeyId(), key: randomBytes(32) };
  const count = 20_000;
  const sealed: string[] = [];
  let started = performance.now();
  for (let index = 0; index < count; index += 1) {
    sealed.push(sealValue(key, `123-45-${index}`, 'Patient/x'));
  }
  const sealMicroseconds = ((performance.now() - started) * 1000) / count;
  started = performance.now();
  for (const value of sealed) {
    openValue(key, value, 'Patient/x');
  }
  const openMicroseconds = ((performance.now() - started) * 1000) / count;
  return { sealMicroseconds, openMicroseconds };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function main(): Promise<void> {
  const mode = args['database-url'] ? 'postgres' : 'embedded';
  const db: Database = await openDatabase({
    databaseUrl: args['database-url'],
    dataDir: 'memory://',
    databasePoolSize: 4,
  });
  try {
    await migrate(db);
    const suffix = randomBytes(3).toString('hex');
    const tenants: Record<Side, string> = { plain: `bench-plain-${suffix}`, sealed: `bench-sealed-${suffix}` };
    for (const id of Object.values(tenants)) {
      await ensureTenant(db, { id, name: id });
    }
    const encryption = loadConfig({ CAREGRAPH_KEK: randomBytes(32).toString('base64') }).encryption;
    const repos: Record<Side, FhirRepo> = {
      plain: { db, tenantId: tenants.plain, baseUrl: 'http://bench/fhir/R4', now: () => new Date() },
      sealed: {
        db: withConfiguredEncryption(db, encryption),
        tenantId: tenants.sealed,
        baseUrl: 'http://bench/fhir/R4',
        now: () => new Date(),
      },
    };
    const timings: Record<Side, Timings> = {
      plain: { writesPerSecond: [], readsPerSecond: [], searchesPerSecond: [] },
      sealed: { writesPerSecond: [], readsPerSecond: [], searchesPerSecond: [] },
    };
    // A warm-up round each, not counted: first statements, schema caches, JIT.
    await runRound(repos.plain, 90);
    await runRound(repos.sealed, 91);
    for (let round = 1; round <= rounds; round += 1) {
      for (const side of round % 2 === 0 ? (['sealed', 'plain'] as const) : (['plain', 'sealed'] as const)) {
        const result = await runRound(repos[side], round * 2 + (side === 'sealed' ? 1 : 0));
        timings[side].writesPerSecond.push(result.writes);
        timings[side].readsPerSecond.push(result.reads);
        timings[side].searchesPerSecond.push(result.searches);
      }
    }
    const envelope = { ...envelopeMicrobench(), ...(await rowOpenMicrobench()) };
    const summary = (side: Side) => ({
      writesPerSecond: median(timings[side].writesPerSecond),
      readsPerSecond: median(timings[side].readsPerSecond),
      searchesPerSecond: median(timings[side].searchesPerSecond),
    });
    const plain = summary('plain');
    const sealed = summary('sealed');
    const overhead = (a: number, b: number) => a / b - 1;
    const report = {
      benchmark: 'encryption',
      mode,
      date: new Date().toISOString(),
      patientsPerRound: patients,
      rounds,
      patient: 'Patient with an MRN, a US SSN (sealed, blind-indexed) and a 4 KiB photo (sealed)',
      plain,
      sealed,
      overhead: {
        write: overhead(plain.writesPerSecond, sealed.writesPerSecond),
        read: overhead(plain.readsPerSecond, sealed.readsPerSecond),
        search: overhead(plain.searchesPerSecond, sealed.searchesPerSecond),
      },
      envelope,
      rawTimings: timings,
    };
    const line = (name: string, a: number, b: number) =>
      `${name.padEnd(22)} ${a.toFixed(0).padStart(8)} ${b.toFixed(0).padStart(8)} ${(overhead(a, b) * 100).toFixed(1).padStart(7)} %`;
    const table = [
      `field encryption, ${mode}, ${patients} patients × ${rounds} rounds (median ops/s)`,
      `${''.padEnd(22)} ${'plain'.padStart(8)} ${'sealed'.padStart(8)} ${'cost'.padStart(9)}`,
      line('create Patient', plain.writesPerSecond, sealed.writesPerSecond),
      line('read Patient', plain.readsPerSecond, sealed.readsPerSecond),
      line('search identifier=SSN', plain.searchesPerSecond, sealed.searchesPerSecond),
      `envelope: seal ${envelope.sealMicroseconds.toFixed(1)} µs, open ${envelope.openMicroseconds.toFixed(1)} µs per value`,
      `stored Patient row (SSN + 4 KiB photo sealed): opened in ${envelope.openRowMicroseconds.toFixed(1)} µs; ` +
        `a row without envelopes passes in ${envelope.plainRowCheckMicroseconds.toFixed(1)} µs`,
    ].join('\n');
    process.stdout.write(`${table}\n`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const stamp = report.date.replace(/[:.]/g, '-').slice(0, 19);
    writeFileSync(path.join(RESULTS_DIR, `encryption-${mode}-${stamp}Z.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(RESULTS_DIR, `encryption-${mode}-latest.md`), `\`\`\`\n${table}\n\`\`\`\n`);
  } finally {
    await db.close();
  }
}

await main();
