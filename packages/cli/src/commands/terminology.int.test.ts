import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createCliTestDatabase, createTempDir, runCli, type CliTestDatabase } from '../test/cli-harness.ts';

describe('caregraph terminology', () => {
  let database: CliTestDatabase;
  let files: ReturnType<typeof createTempDir>;
  // A system of this run only: the PostgreSQL test database is shared, and real systems must not change under other tests.
  const url = `urn:caregraph:test:cli:${randomBytes(6).toString('hex')}`;
  let codeSystemFile: string;

  before(() => {
    database = createCliTestDatabase('terminology');
    files = createTempDir('terminology-files');
    codeSystemFile = path.join(files.path, 'CodeSystem-test.json');
    writeFileSync(
      codeSystemFile,
      JSON.stringify({
        resourceType: 'CodeSystem',
        url,
        version: '1',
        status: 'active',
        content: 'complete',
        concept: [
          { code: 'a', display: 'Alpha', concept: [{ code: 'b', display: 'Beta' }] },
          { code: 'c', display: 'Gamma', property: [{ code: 'status', valueCode: 'retired' }] },
        ],
      }),
    );
  });

  after(() => {
    database.remove();
    files.remove();
  });

  it('loads a release with progress on stderr and a summary line, and loading it again changes nothing', async () => {
    const first = await runCli(['terminology', 'load', 'fhir', codeSystemFile], database.env);

    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `loaded ${url}|1: 3 concepts (1 inactive), now current\n`);
    // Not a terminal: one line per file read.
    assert.equal(first.stderr, 'reading CodeSystem-test.json\n');

    const again = await runCli(['terminology', 'load', 'fhir', codeSystemFile, '--json'], database.env);

    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout), {
      url,
      version: '1',
      concepts: 3,
      inactive: 1,
      valueSets: 0,
      mapElements: 0,
      codeSystems: [{ url, version: '1', concepts: 3, inactive: 1, isCurrent: true }],
    });
  });

  it('lists the loaded releases', async () => {
    await runCli(['terminology', 'load', 'fhir', codeSystemFile, '--no-progress'], database.env);

    const result = await runCli(['terminology', 'list', '--json'], database.env);

    assert.equal(result.code, 0, result.stderr);
    const releases = JSON.parse(result.stdout) as Array<{ url: string }>;
    assert.deepEqual(
      releases.filter((release) => release.url === url),
      [{ url, version: '1', isCurrent: true, conceptCount: 3 }],
    );
    const text = await runCli(['terminology', 'list'], database.env);
    assert.match(text.stdout, new RegExp(`^${url}\\s+1\\s+\\*\\s+3$`, 'm'));
  });

  it('exits 1 naming file, line and field of a malformed line, and loads nothing', async () => {
    const broken = path.join(files.path, 'cvx.txt');
    writeFileSync(
      broken,
      '03        |MMR|measles, mumps and rubella virus vaccine||Active|3|False|5/28/2010\nX1|A|B||Active|4|False|5/28/2010\n',
    );
    const version = `broken-${randomBytes(4).toString('hex')}`;

    const result = await runCli(
      ['terminology', 'load', 'cvx', broken, '--version', version, '--no-progress'],
      database.env,
    );

    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'error: cvx.txt line 2: column cvx_code is "X1", expected one to three digits\n');
    const list = await runCli(['terminology', 'list', '--json'], database.env);
    assert.ok(!list.stdout.includes(version));
  });

  it('rejects an unknown system before opening anything', async () => {
    const result = await runCli(['terminology', 'load', 'icd9', codeSystemFile], database.env);

    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /argument 'system'\. Allowed choices are icd10cm, icd10pcs, loinc, snomed, rxnorm, cpt, hcpcs, cvx, ucum, fhir/,
    );
  });
});
