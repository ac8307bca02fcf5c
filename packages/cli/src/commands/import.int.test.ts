import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  countStoredIn,
  createCliTestDatabase,
  createTempDir,
  freshTenantId,
  runCli,
  spawnCli,
  waitForExit,
  waitForOutput,
  type CliTestDatabase,
} from '../test/cli-harness.ts';
import { copyFilesTo, distinctResources, patientBundlesBySize } from '../test/synthea.ts';

type Patient = {
  resourceType: 'Patient';
  id: string;
  name?: Array<{ family: string; given: string[] }>;
  gender?: string;
  birthDate?: string;
  identifier?: Array<{ system: string; value: string }>;
};

/** Letters and a birth date from a hash of the id: each test patient a different person to the patient index. */
const digest = (text: string) => createHash('sha256').update(text).digest();
const lettersOf = (id: string, salt: string) =>
  [...digest(`${salt}:${id}`).subarray(0, 8)]
    .map((byte) => String.fromCharCode(97 + (byte % 26)))
    .join('')
    .replace(/^./, (first) => first.toUpperCase());

const patient = (id: string, overrides: Partial<Patient> = {}): Patient => ({
  resourceType: 'Patient',
  id,
  name: [{ family: lettersOf(id, 'family'), given: [lettersOf(id, 'given')] }],
  gender: 'female',
  birthDate: new Date(Date.UTC(1930, 0, 1) + (digest(id).readUInt32BE(0) % 25_000) * 86_400_000)
    .toISOString()
    .slice(0, 10),
  ...overrides,
});

const ndjson = (...lines: Array<object | string>) =>
  lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n';

const transaction = (...resources: Patient[]) => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: resources.map((resource) => ({
    fullUrl: `urn:uuid:${resource.id}`,
    resource,
    request: { method: 'POST', url: 'Patient' },
  })),
});

describe('caregraph import', () => {
  let database: CliTestDatabase;
  let files: ReturnType<typeof createTempDir>;
  const write = (name: string, content: string | Buffer | object) => {
    const file = path.join(files.path, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content));
    return file;
  };

  before(() => {
    database = createCliTestDatabase('import');
    files = createTempDir('import-files');
  });

  after(() => {
    database.remove();
    files.remove();
  });

  it('imports Bundles, NDJSON and single resources from a directory, gzipped or not, with progress on stderr', async () => {
    const tenant = freshTenantId();
    const root = path.join(files.path, 'formats');
    write('formats/tx.json', transaction(patient('cli-tx-1'), patient('cli-tx-2')));
    write('formats/tx2.json.gz', gzipSync(JSON.stringify(transaction(patient('cli-gz-1')))));
    write('formats/nested/lines.ndjson', ndjson(patient('cli-nd-1'), patient('cli-nd-2')));
    write('formats/nested/lines.ndjson.gz', gzipSync(ndjson(patient('cli-ndgz-1'))));
    write('formats/nested/deeper/single.json', patient('cli-single-1'));

    const result = await runCli(['import', root, '--tenant', tenant], database.env);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'imported 7 resources (7 new) from 5 files; 0 errors\n');
    // Not a terminal: one line per finished file, in the documented form.
    const progress = result.stderr.trim().split('\n');
    assert.equal(progress.length, 5, result.stderr);
    progress.forEach((line, index) =>
      assert.match(line, new RegExp(`^\\[${index + 1}/5\\] ${root}/.+: \\d+ resources so far$`)),
    );
    assert.match(progress[4] ?? '', /: 7 resources so far$/);
    assert.deepEqual((await countStoredIn(database, tenant)).byType, { Patient: 7 });
  });

  it('is idempotent: a second run creates nothing and stores no new versions', async () => {
    const tenant = freshTenantId();
    const paths = [
      write('again/lines.ndjson', ndjson(patient('again-1'), patient('again-2'))),
      ...patientBundlesBySize(1),
    ];

    const first = await runCli(['import', ...paths, '--tenant', tenant, '--json'], database.env);
    const afterFirst = await countStoredIn(database, tenant);
    const second = await runCli(['import', ...paths, '--tenant', tenant, '--json'], database.env);
    const afterSecond = await countStoredIn(database, tenant);

    assert.equal(first.code, 0, first.stderr);
    assert.equal(second.code, 0, second.stderr);
    const [firstReport, secondReport] = [first, second].map(
      (run) => JSON.parse(run.stdout) as { created: number; resources: number },
    );
    assert.ok((firstReport?.created ?? 0) > 2);
    assert.equal(secondReport?.created, 0);
    assert.equal(secondReport?.resources, firstReport?.resources);
    assert.deepEqual(afterSecond, afterFirst);
    assert.equal(afterSecond.versions, afterSecond.total);
  });

  it('reports bad lines, a failed transaction, a missing path and an unsupported file, imports the rest, and exits 1', async () => {
    const tenant = freshTenantId();
    const lines = write(
      'errors/patients.ndjson',
      ndjson(
        patient('err-1'),
        patient('err-2'),
        '{"resourceType": "Patient", "id": ',
        patient('err-4'),
        patient('err-5', { gender: 'banana' }),
      ),
    );
    const bundle = write(
      'errors/bundle.json',
      transaction(patient('err-tx-1'), patient('err-tx-2', { birthDate: 'last tuesday' })),
    );
    const missing = path.join(files.path, 'errors/missing.json');
    const unsupported = write('errors/patients.csv', 'id\n1\n');

    const result = await runCli(['import', lines, bundle, missing, unsupported, '--tenant', tenant], database.env);

    assert.equal(result.code, 1);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('error: '));
    const expected = [
      `error: ${missing}: no such file or directory`,
      `error: ${unsupported}: unsupported file type: expected .json or .ndjson, optionally .gz`,
      `error: ${lines}:3: malformed JSON: `,
      `error: ${lines}:5: `,
      `error: ${bundle} (entry 1): `,
    ];
    assert.equal(errors.length, expected.length, result.stderr);
    expected.forEach((start, index) =>
      assert.ok(errors[index]?.startsWith(start), `${errors[index]} should start with ${start}`),
    );
    assert.match(errors[3] ?? '', /banana.*administrative-gender.* \[Patient\.gender\]$/);
    assert.match(errors[4] ?? '', / \[Bundle\.entry\[1\]\.resource\.birthDate\]$/);
    assert.match(result.stdout, /^imported 3 resources \(3 new\) from 2 files; 5 errors\n$/);
    // The good lines are in; nothing from the failed transaction is.
    assert.deepEqual((await countStoredIn(database, tenant)).byType, { Patient: 3 });
  });

  it('prints the report as JSON on stdout with --json, and nothing on stderr', async () => {
    const tenant = freshTenantId();
    const lines = write(
      'json/patients.ndjson',
      ndjson(patient('json-1'), 'not json', patient('json-3', { gender: 'banana' })),
    );

    const result = await runCli(['import', lines, '--tenant', tenant, '--json'], database.env);

    assert.equal(result.code, 1);
    assert.equal(result.stderr, '');
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(
      {
        ...report,
        errors: (report.errors as Array<Record<string, unknown>>).map(({ message: _message, ...rest }) => rest),
      },
      {
        files: 1,
        resources: 1,
        created: 1,
        analyzed: false,
        errors: [
          { file: lines, line: 2 },
          { file: lines, line: 3, expression: ['Patient.gender'] },
        ],
      },
    );
  });

  it('stores national identifiers sealed, as the server does (field encryption)', async () => {
    const tenant = freshTenantId();
    const ssn = `900-${String(Date.now() % 100).padStart(2, '0')}-${String(Date.now() % 10_000).padStart(4, '0')}`;
    const file = write(
      'sealed/patient.json',
      patient('sealed-1', { identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: ssn }] }),
    );

    const result = await runCli(['import', file, '--tenant', tenant, '--no-progress'], database.env);

    assert.equal(result.code, 0, result.stderr);
    const db = await database.open();
    try {
      const { rows } = await db.query<{ content: string }>(
        'SELECT content::text AS content FROM resource WHERE tenant_id = $1 AND resource_type = $2',
        [tenant, 'Patient'],
      );
      assert.equal(rows.length, 1);
      assert.ok(!rows[0]?.content.includes(ssn), 'the SSN is not stored in clear');
      assert.match(rows[0]?.content ?? '', /cgenc:1:/);
    } finally {
      await db.close();
    }
  });

  it('shows no progress with --no-progress', async () => {
    const result = await runCli(
      ['import', write('quiet/one.json', patient('quiet-1')), '--tenant', freshTenantId(), '--no-progress'],
      database.env,
    );

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
  });

  it('completes a killed import on re-run with every resource stored once', { timeout: 5 * 60_000 }, async () => {
    const tenant = freshTenantId();
    const dir = path.join(files.path, 'killed');
    mkdirSync(dir);
    const bundles = copyFilesTo(patientBundlesBySize(6, 2), dir);
    const expected = distinctResources(bundles);

    // 1. Start the import and kill it hard once the first file is done.
    const child = spawnCli(['import', dir, '--tenant', tenant], database.env);
    await waitForOutput(child, (output) => output.stderr.includes('[1/6]'));
    child.kill('SIGKILL');
    const killed = await waitForExit(child);
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(!killed.stderr.includes('[6/6]'), 'the import finished before it could be killed');

    // 2. Run it again to completion.
    const rerun = await runCli(['import', dir, '--tenant', tenant, '--json'], database.env);

    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual((JSON.parse(rerun.stdout) as { errors: unknown[] }).errors, []);
    // 3. One Patient per bundle, every resource once, one version each.
    const stored = await countStoredIn(database, tenant);
    assert.equal(stored.byType.Patient, bundles.length);
    assert.equal(stored.total, expected.size);
    assert.equal(stored.versions, expected.size);
  });
});
