import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DedupeReport, ModelVersion } from '@caregraph/core/domain';
import {
  createCliTestDatabase,
  createTempDir,
  freshTenantId,
  runCli,
  spawnCli,
  waitForExit,
  waitForOutput,
  type CliTestDatabase,
} from '../test/cli-harness.ts';
import { INTERRUPTED_EXIT_CODE } from './mpi.ts';

type Person = { family: string; given: string; birthDate: string; city: string; postcode: string };

const PEOPLE: Person[] = [
  { family: 'Whitfield', given: 'Jonathan', birthDate: '1975-03-11', city: 'London', postcode: 'NW1 6XE' },
  { family: 'Okafor', given: 'Adaeze', birthDate: '1990-11-02', city: 'Bristol', postcode: 'BS1 4DJ' },
  { family: 'Lindqvist', given: 'Maja', birthDate: '1983-07-09', city: 'York', postcode: 'YO1 7HH' },
  { family: 'Fernandes', given: 'Rui', birthDate: '1968-01-30', city: 'Leeds', postcode: 'LS2 9JT' },
  { family: 'Nakamura', given: 'Hiro', birthDate: '2001-09-08', city: 'Bath', postcode: 'BA1 1LZ' },
  { family: 'Kowalski', given: 'Anna', birthDate: '1959-12-05', city: 'Derby', postcode: 'DE1 2FS' },
  { family: 'Mensah', given: 'Kwame', birthDate: '1979-05-07', city: 'Hull', postcode: 'HU1 3DZ' },
  { family: 'Brennan', given: 'Siobhan', birthDate: '1995-02-28', city: 'Chester', postcode: 'CH1 2HU' },
];

/**
 * Made-up people, each registered two or three times with a typo in the family name, a missing
 * phone or swapped day and month, as an NDJSON file of Patients with fixed ids.
 */
function writePopulation(file: string): number {
  const patients = PEOPLE.flatMap((person, index) => {
    const base = {
      resourceType: 'Patient',
      name: [{ family: person.family, given: [person.given] }],
      gender: index % 2 === 0 ? 'male' : 'female',
      birthDate: person.birthDate,
      address: [{ line: [`${index + 1} Station Road`], city: person.city, postalCode: person.postcode }],
      telecom: [{ system: 'phone', value: `0161 496 00${String(index).padStart(2, '0')}` }],
    };
    const [year, month, day] = person.birthDate.split('-');
    const copies = [
      { ...base, id: `mpi-${index}-a` },
      { ...base, id: `mpi-${index}-b`, name: [{ family: `${person.family}e`, given: [person.given] }], telecom: [] },
    ];
    if (index % 2 === 0) {
      copies.push({ ...base, id: `mpi-${index}-c`, birthDate: `${year}-${day}-${month}` });
    }
    return copies;
  });
  writeFileSync(file, patients.map((patient) => JSON.stringify(patient)).join('\n'));
  return patients.length;
}

/** What two runs over the same data must agree on: all of the report but its id, timing and whether it resumed. */
function outcomeOf(report: DedupeReport): Omit<DedupeReport, 'runId' | 'seconds' | 'resumed'> {
  const { runId: _runId, seconds: _seconds, resumed: _resumed, ...outcome } = report;
  return outcome;
}

describe('caregraph mpi', () => {
  let database: CliTestDatabase;
  let files: ReturnType<typeof createTempDir>;
  let patients: number;
  const straight = freshTenantId('mpi');
  const interrupted = freshTenantId('mpi');

  before(async () => {
    database = createCliTestDatabase('mpi');
    files = createTempDir('mpi-files');
    const file = path.join(files.path, 'patients.ndjson');
    patients = writePopulation(file);
    for (const tenant of [straight, interrupted]) {
      const imported = await runCli(['import', '--tenant', tenant, '--no-progress', file], database.env);
      assert.equal(imported.code, 0, imported.stderr);
    }
  });

  after(() => {
    database.remove();
    files.remove();
  });

  it('deduplicates a tenant and reports its clusters as JSON', async () => {
    const result = await runCli(['mpi', 'dedupe', '--tenant', straight, '--json'], database.env);

    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const report = JSON.parse(result.stdout) as DedupeReport;
    assert.equal(report.records, patients);
    assert.equal(report.resumed, false);
    // Every person's registrations end up in one golden record of their own.
    assert.equal(report.clusters, PEOPLE.length);
    assert.equal(report.multiRecordClusters, PEOPLE.length);
    assert.ok(report.linkedPairs >= patients - PEOPLE.length, `${report.linkedPairs} linked pairs`);
    assert.equal(
      report.bands.reduce((sum, band) => sum + band.pairs, 0),
      report.candidatePairs,
    );
  });

  it('stops on Ctrl-C with exit code 130, and a second run continues to the same report', async () => {
    // 1. One record per batch, so the run is still indexing when the signal arrives.
    const child = spawnCli(['mpi', 'dedupe', '--tenant', interrupted, '--batch-size', '1'], database.env);
    await waitForOutput(child, (output) => /^index: /m.test(output.stderr));
    child.kill('SIGINT');
    const stopped = await waitForExit(child);

    assert.equal(stopped.code, INTERRUPTED_EXIT_CODE, stopped.stderr);
    assert.match(stopped.stderr, /SIGINT: stopping; run the command again to continue where it stopped/);
    assert.equal(stopped.stdout, '');

    // 2. The second run picks the persisted run up and ends where an uninterrupted one did.
    const resumed = await runCli(['mpi', 'dedupe', '--tenant', interrupted, '--json'], database.env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const report = JSON.parse(resumed.stdout) as DedupeReport;
    assert.equal(report.resumed, true);
    const reference = await runCli(['mpi', 'dedupe', '--tenant', straight, '--json'], database.env);
    assert.deepEqual(outcomeOf(report), outcomeOf(JSON.parse(reference.stdout) as DedupeReport));
  });

  it('prints the report as text, bands from high to low', async () => {
    const result = await runCli(['mpi', 'dedupe', '--tenant', straight, '--no-progress'], database.env);

    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`^deduplicated ${patients} records in \\d+\\.\\d s with model version 0$`, 'm'),
    );
    assert.match(
      result.stdout,
      new RegExp(`^clusters: ${PEOPLE.length} \\(${PEOPLE.length} with more than one record\\)$`, 'm'),
    );
    assert.match(result.stdout, /^ {2}0\.99–1\.00: /m);
  });

  it('trains model versions, lists them newest first and rolls back to an earlier one', async () => {
    const none = await runCli(['mpi', 'models', '--tenant', straight], database.env);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, 'no trained models: matching uses the built-in default model\n');

    // 1. Two trainings: two versions, the newer active; the second shows its steps on stderr.
    const first = await runCli(['mpi', 'train', '--tenant', straight, '--json'], database.env);
    assert.equal(first.code, 0, first.stderr);
    const model = JSON.parse(first.stdout) as ModelVersion;
    assert.deepEqual([model.version, model.active, model.records], [1, true, patients]);
    const second = await runCli(['mpi', 'train', '--tenant', straight], database.env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`^trained version 2 \\(active\\) trained \\S+ on ${patients} records`));
    // Streamed training: a scan of the records, the sample it keeps, then the model's own steps.
    assert.match(second.stderr, /^training: scan\ntraining: sample\ntraining: term-frequencies\n(training: \S+\n)+$/);
    const listed = await runCli(['mpi', 'models', '--tenant', straight, '--json'], database.env);
    assert.equal(listed.code, 0, listed.stderr);
    const models = JSON.parse(listed.stdout) as ModelVersion[];
    assert.deepEqual(
      models.map((model) => [model.version, model.active]),
      [
        [2, true],
        [1, false],
      ],
    );

    // 2. Rollback makes version 1 the active one, and the listing says so.
    const rollback = await runCli(['mpi', 'rollback', '1', '--tenant', straight], database.env);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stdout, /^activated version 1 \(active\) trained \S+ on \d+ records, thresholds /);
    const text = await runCli(['mpi', 'models', '--tenant', straight], database.env);
    assert.match(text.stdout, /^version 2 trained .*\nversion 1 \(active\) trained /);

    // 3. A dedupe now runs with the version rolled back to.
    const dedupe = await runCli(['mpi', 'dedupe', '--tenant', straight, '--json'], database.env);
    assert.equal((JSON.parse(dedupe.stdout) as DedupeReport).modelVersion, 1);
  });

  it('exits 1 naming the problem: an unknown version, an unknown tenant, a bad batch size', async () => {
    const version = await runCli(['mpi', 'rollback', '9', '--tenant', straight], database.env);
    assert.equal(version.code, 1);
    assert.match(version.stderr, /No model version 9/);

    const tenant = await runCli(['mpi', 'dedupe', '--tenant', 'no-such-tenant', '--no-progress'], database.env);
    assert.equal(tenant.code, 1);
    assert.match(tenant.stderr, /no tenant "no-such-tenant"/);

    const batch = await runCli(['mpi', 'dedupe', '--tenant', straight, '--batch-size', '0'], database.env);
    assert.equal(batch.code, 1);
    assert.match(batch.stderr, /invalid --batch-size "0": use a positive integer/);
  });
});
