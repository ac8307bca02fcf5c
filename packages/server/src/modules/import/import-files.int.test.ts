import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Bundle, Patient, Resource } from '@caregraph/core/fhir';
import type { FhirRepo } from '../fhir/index.ts';
import { ensureTenant } from '../tenants/index.ts';
import type { Database } from '../../platform/db/index.ts';
import { countStoredResources } from '../../test/stored-resources.ts';
import { DATA_PIPES_DIR, isPatientBundle, listSyntheaFiles, smallestPatientBundles } from '../../test/synthea.ts';
import { createTempDir, type TempDir } from '../../test/temp-dir.ts';
import { openTestDatabase, testDatabaseMode } from '../../test/test-database.ts';
import { importFiles, type ImportProgress } from './import-files.ts';
import { QUERIED_TABLES } from './analyze-tables.ts';

/** Letters and numbers from a hash of the id, so each test patient is a different person to the patient index. */
const digest = (id: string) => createHash('sha256').update(id).digest();
const lettersOf = (id: string, salt: string) =>
  [...digest(`${salt}:${id}`).subarray(0, 8)]
    .map((byte) => String.fromCharCode(97 + (byte % 26)))
    .join('')
    .replace(/^./, (first) => first.toUpperCase());
const birthDateOf = (id: string) =>
  new Date(Date.UTC(1930, 0, 1) + (digest(id).readUInt32BE(0) % 25_000) * 86_400_000).toISOString().slice(0, 10);

const patient = (id: string, overrides: Partial<Patient> = {}): Patient => ({
  resourceType: 'Patient',
  id,
  name: [{ family: lettersOf(id, 'family'), given: [lettersOf(id, 'given')] }],
  gender: 'female',
  birthDate: birthDateOf(id),
  ...overrides,
});

const ndjson = (...lines: Array<Resource | string>) =>
  lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';

const transaction = (...resources: Resource[]): Bundle => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: resources.map((resource) => ({
    fullUrl: `urn:uuid:${resource.id ?? randomBytes(8).toString('hex')}`,
    resource,
    request: { method: 'POST', url: resource.resourceType },
  })),
});

/** Distinct `Type/id`s in Synthea bundles: what importing them must store, no more. */
function distinctResources(files: string[]): Set<string> {
  const keys = new Set<string>();
  for (const file of files) {
    const bundle = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as Bundle;
    for (const entry of bundle.entry ?? []) {
      keys.add(`${entry.resource?.resourceType}/${entry.resource?.id}`);
    }
  }
  return keys;
}

describe('importFiles', () => {
  let db: Database;
  let dir: TempDir;
  const write = (name: string, content: string | Buffer | object) => {
    const file = path.join(dir.path, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content));
    return file;
  };
  async function freshRepo(): Promise<FhirRepo> {
    const tenantId = `t-${randomBytes(6).toString('hex')}`;
    await ensureTenant(db, { id: tenantId, name: tenantId });
    return { db, tenantId, baseUrl: 'http://caregraph.test/fhir/R4', now: () => new Date() };
  }

  before(async () => {
    db = await openTestDatabase();
    dir = createTempDir('import');
  });

  after(async () => {
    await db.close();
    dir.remove();
  });

  it('imports Bundles, NDJSON and single resources, gzipped or not, from files and nested directories', async () => {
    const repo = await freshRepo();
    const root = path.join(dir.path, 'formats');
    write('formats/tx.json', transaction(patient('fmt-tx-1'), patient('fmt-tx-2')));
    write('formats/tx.json.gz', gzipSync(JSON.stringify(transaction(patient('fmt-gz-1')))));
    write('formats/collection.json', {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: patient('fmt-coll-1') }],
    });
    write('formats/nested/deeper/lines.ndjson', ndjson(patient('fmt-nd-1'), patient('fmt-nd-2')));
    write('formats/nested/lines.ndjson.gz', gzipSync(ndjson(patient('fmt-ndgz-1'))));
    write('formats/nested/single.json', patient('fmt-single-1'));
    write('formats/nested/readme.txt', 'ignored inside a directory');

    const report = await importFiles({ repo, paths: [root] });

    assert.deepEqual(report.errors, []);
    assert.equal(report.files, 6);
    assert.equal(report.resources, 8);
    assert.equal(report.created, 8);
    const stored = await countStoredResources(db, repo.tenantId);
    assert.deepEqual(stored.byType, { Patient: 8 });
    const { rows } = await db.query<{ id: string }>('SELECT id FROM resource WHERE tenant_id = $1 ORDER BY id', [
      repo.tenantId,
    ]);
    assert.deepEqual(
      rows.map((row) => row.id),
      ['fmt-coll-1', 'fmt-gz-1', 'fmt-nd-1', 'fmt-nd-2', 'fmt-ndgz-1', 'fmt-single-1', 'fmt-tx-1', 'fmt-tx-2'],
    );
  });

  it('is idempotent: a second run creates nothing and stores no new versions', async () => {
    const repo = await freshRepo();
    const files = [
      write('again/tx.json', transaction(patient('again-1'), patient('again-2'))),
      write('again/lines.ndjson', ndjson(patient('again-3'), patient('again-4'))),
      ...smallestPatientBundles(1),
    ];

    const first = await importFiles({ repo, paths: files });
    const afterFirst = await countStoredResources(db, repo.tenantId);
    const second = await importFiles({ repo, paths: files });
    const afterSecond = await countStoredResources(db, repo.tenantId);

    assert.deepEqual(first.errors, []);
    assert.deepEqual(second.errors, []);
    assert.ok(first.created > 4);
    assert.equal(second.created, 0);
    assert.equal(second.resources, first.resources);
    assert.deepEqual(afterSecond, afterFirst);
    assert.equal(afterSecond.versions, afterSecond.total);
  });

  it('stores a new version only of what changed on a re-run', async () => {
    const repo = await freshRepo();
    const file = write('changed/lines.ndjson', ndjson(patient('chg-1'), patient('chg-2')));
    await importFiles({ repo, paths: [file] });
    write('changed/lines.ndjson', ndjson(patient('chg-1'), patient('chg-2', { gender: 'male' })));

    const report = await importFiles({ repo, paths: [file] });

    assert.equal(report.created, 0);
    assert.equal(report.resources, 2);
    const stored = await countStoredResources(db, repo.tenantId);
    assert.equal(stored.total, 2);
    assert.equal(stored.versions, 3);
  });

  it('reports malformed and invalid NDJSON lines by line, with message and FHIRPath, and imports the good lines', async () => {
    const repo = await freshRepo();
    const file = write(
      'errors/patients.ndjson',
      ndjson(
        patient('nd-ok-1'),
        patient('nd-ok-2'),
        '{"resourceType":"Patient", "id": "nd-bad-json"',
        patient('nd-ok-4'),
        patient('nd-invalid-5', { gender: 'banana' as Patient['gender'] }),
        '',
        '{"id":"no-type"}',
        patient('nd-ok-8'),
      ),
    );

    const report = await importFiles({ repo, paths: [file] });

    // 1. Line 3 is not JSON.
    const line3 = report.errors.filter((error) => error.line === 3);
    assert.equal(line3.length, 1);
    assert.equal(line3[0]?.file, file);
    assert.match(line3[0]?.message ?? '', /^malformed JSON: /);
    // 2. Line 5 is JSON but not a valid Patient; the expression is relative to the Patient on that line.
    const line5 = report.errors.filter((error) => error.line === 5);
    assert.equal(line5.length, 1, JSON.stringify(report.errors));
    assert.equal(line5[0]?.file, file);
    assert.match(line5[0]?.message ?? '', /banana.*administrative-gender/);
    assert.deepEqual(line5[0]?.expression, ['Patient.gender']);
    // 3. Line 7 has no resourceType; blank line 6 is skipped silently.
    assert.deepEqual(
      report.errors.map((error) => error.line),
      [3, 5, 7],
    );
    // 4. The good lines are stored.
    assert.equal(report.resources, 4);
    const { rows } = await db.query<{ id: string }>('SELECT id FROM resource WHERE tenant_id = $1 ORDER BY id', [
      repo.tenantId,
    ]);
    assert.deepEqual(
      rows.map((row) => row.id),
      ['nd-ok-1', 'nd-ok-2', 'nd-ok-4', 'nd-ok-8'],
    );
  });

  it('locates NDJSON errors on the right line across several batches', async () => {
    const repo = await freshRepo();
    const lines = Array.from({ length: 12 }, (_, index) =>
      index === 9 ? patient(`chunk-${index}`, { birthDate: 'not-a-date' }) : patient(`chunk-${index}`),
    );
    const file = write('errors/chunks.ndjson', ndjson(...lines));

    const report = await importFiles({ repo, paths: [file], chunkSize: 4 });

    assert.equal(report.errors.length, 1);
    assert.equal(report.errors[0]?.line, 10);
    assert.deepEqual(report.errors[0]?.expression, ['Patient.birthDate']);
    assert.equal(report.resources, 11);
  });

  it('reports a transaction with an invalid entry by file and entry index, and stores nothing from it', async () => {
    const repo = await freshRepo();
    const bad = write(
      'errors/bad-tx.json',
      transaction(
        patient('tx-ok-1'),
        patient('tx-bad-2', { gender: 'banana' as Patient['gender'] }),
        patient('tx-ok-3'),
      ),
    );
    const good = write('errors/good-tx.json', transaction(patient('tx-other-1')));

    const report = await importFiles({ repo, paths: [bad, good] });

    assert.equal(report.errors.length, 1, JSON.stringify(report.errors));
    const [error] = report.errors;
    assert.equal(error?.file, bad);
    assert.equal(error?.entry, 1);
    assert.equal(error?.line, undefined);
    assert.match(error?.message ?? '', /banana/);
    assert.doesNotMatch(error?.message ?? '', /^Bundle entry/);
    assert.deepEqual(error?.expression, ['Bundle.entry[1].resource.gender']);
    const { rows } = await db.query<{ id: string }>('SELECT id FROM resource WHERE tenant_id = $1', [repo.tenantId]);
    assert.deepEqual(
      rows.map((row) => row.id),
      ['tx-other-1'],
    );
  });

  it('reports a missing path, an unsupported file, malformed JSON and a corrupt gzip file, and imports the rest', async () => {
    const repo = await freshRepo();
    const missing = path.join(dir.path, 'errors/missing.json');
    const unsupported = write('errors/patients.csv', 'id,name\n1,x\n');
    const malformed = write('errors/malformed.json', '{"resourceType": "Bundle", ');
    const notResource = write('errors/not-resource.json', '[1, 2, 3]');
    const corrupt = write('errors/corrupt.json.gz', gzipSync(JSON.stringify(patient('never'))).subarray(0, 20));
    const good = write('errors/fine.json', patient('fine-1'));

    const report = await importFiles({ repo, paths: [missing, unsupported, malformed, notResource, corrupt, good] });

    const byFile = new Map(report.errors.map((error) => [error.file, error.message]));
    assert.equal(byFile.get(missing), 'no such file or directory');
    assert.match(byFile.get(unsupported) ?? '', /unsupported file type/);
    assert.match(byFile.get(malformed) ?? '', /^malformed JSON/);
    assert.match(byFile.get(notResource) ?? '', /resourceType is missing/);
    assert.match(byFile.get(corrupt) ?? '', /^cannot read the file: /);
    assert.equal(report.errors.length, 5);
    assert.equal(report.resources, 1);
  });

  it('reports progress after every file, ending with all files done', async () => {
    const repo = await freshRepo();
    const files = [
      write('progress/a.json', patient('prog-a')),
      write('progress/b.ndjson', ndjson(patient('prog-b'), patient('prog-c'))),
    ];
    const events: ImportProgress[] = [];

    await importFiles({ repo, paths: files, chunkSize: 1, onProgress: (progress) => events.push(progress) });

    const finished = events.filter((event, index) => event.filesDone > (events[index - 1]?.filesDone ?? 0));
    assert.deepEqual(
      finished.map((event) => [event.filesDone, event.filesTotal, path.basename(event.file), event.resources]),
      [
        [1, 2, 'a.json', 1],
        [2, 2, 'b.ndjson', 3],
      ],
    );
    // NDJSON batches report too, before their file is done.
    assert.ok(events.some((event) => event.file.endsWith('b.ndjson') && event.filesDone === 1));
  });

  it('imports Synthea patient bundles with every resource once, and refreshes planner statistics after a large import', async () => {
    const repo = await freshRepo();
    const files = smallestPatientBundles(6);
    const expected = distinctResources(files);
    const started = new Date(Date.now() - 1000);

    const report = await importFiles({ repo, paths: files });

    assert.deepEqual(report.errors, []);
    const stored = await countStoredResources(db, repo.tenantId);
    assert.equal(stored.byType.Patient, 6);
    assert.equal(stored.total, expected.size);
    assert.ok(report.created > 500, `created ${report.created}`);
    assert.equal(report.analyzed, true);
    await assertAnalyzedSince(db, started);
  });

  it('leaves planner statistics alone after a small import', async () => {
    const repo = await freshRepo();

    const report = await importFiles({ repo, paths: [write('small/one.json', patient('small-1'))] });

    assert.equal(report.analyzed, false);
  });

  it(
    'imports the fhir-data-pipes files, whose patients refer to shared files by conditional references, in any order',
    { timeout: 5 * 60_000 },
    async (t) => {
      const repo = await freshRepo();
      const files = listSyntheaFiles(DATA_PIPES_DIR);
      const patients = files.filter(isPatientBundle);
      // The hardest order: every patient bundle before the files holding what they refer to.
      const order = [...patients.reverse(), ...files.filter((file) => !isPatientBundle(file))];
      const started = performance.now();

      const report = await importFiles({ repo, paths: order });

      t.diagnostic(
        `${testDatabaseMode()}: ${report.resources} resources in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      assert.deepEqual(report.errors.slice(0, 5), []);
      const stored = await countStoredResources(db, repo.tenantId);
      assert.equal(stored.byType.Patient, patients.length);
      assert.equal(stored.total, distinctResources(files).size);
      // Every conditional reference was resolved to a plain one before storing.
      const { rows } = await db.query<{ count: number | string }>(
        "SELECT count(*) AS count FROM search_reference WHERE tenant_id = $1 AND target LIKE '%?%'",
        [repo.tenantId],
      );
      assert.equal(Number(rows[0]?.count), 0);
    },
  );
});

/** Every search table was analyzed at or after `since`. */
async function assertAnalyzedSince(db: Database, since: Date): Promise<void> {
  const { rows } = await db.query<{ relname: string; last_analyze: Date | string | null }>(
    'SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname = ANY($1)',
    [[...QUERIED_TABLES]],
  );
  assert.equal(rows.length, QUERIED_TABLES.length);
  for (const row of rows) {
    assert.ok(
      row.last_analyze !== null && new Date(row.last_analyze) >= since,
      `${row.relname} analyzed at ${String(row.last_analyze)}`,
    );
  }
}
