import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import type { Database, Queryable } from '../../platform/db/index.ts';
import { openTestDatabase, testDatabaseMode } from '../../test/test-database.ts';
import { blockingKeys, toMatchRecord } from './engine/index.ts';
import { fileRecordAndFindCandidates, type CandidateLookup } from './find-candidates.ts';
import { buildDistinctPatients, buildPerson, NEAR_DUPLICATE } from './mpi-test-support.ts';
import { contentHashOf } from './mpi-records.ts';
import { prepareRecordWrite, type PreparedWrite } from './prepare-record.ts';

const NOW = new Date('2026-01-05T09:00:00Z');

/** The two statements of a new Patient's match: prepare (claim, lock keys), then file and find. */
async function fileNewPatient(
  tx: Queryable,
  tenantId: string,
  patient: Patient & { id: string },
): Promise<{ prepared: PreparedWrite; lookup: CandidateLookup }> {
  const record = toMatchRecord(patient);
  const options = {
    tenantId,
    record,
    keys: blockingKeys(record),
    contentHash: contentHashOf(record, patient),
    now: NOW,
  };
  const prepared = await prepareRecordWrite(tx, options);
  const lookup = await fileRecordAndFindCandidates(tx, { ...options, previousKeys: [] });
  return { prepared, lookup };
}

describe('filing a record under its blocking keys', () => {
  let db: Database;

  before(async () => {
    db = await openTestDatabase();
  });
  after(async () => {
    await db.close();
  });

  it('files hundreds of patients in one transaction without one server lock per key', async () => {
    const tenantId = `t-${randomBytes(6).toString('hex')}`;
    const patients = buildDistinctPatients(300).map((patient, index) => ({ ...patient, id: `p${index}` }));
    // Each record has about twenty keys: advisory locks would need about 6,000 slots of the
    // server's shared lock table, which holds about 6,400 with default settings.
    const held = await db.transaction(async (tx) => {
      for (const patient of patients) {
        const { prepared } = await fileNewPatient(tx, tenantId, patient);
        assert.equal(prepared.isClaimed, true);
      }
      const { rows } = await tx.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()`,
      );
      return rows[0]?.count;
    });
    assert.equal(held, 0);
    const { rows } = await db.query<{ records: number; locks: number }>(
      `SELECT (SELECT count(*)::int FROM mpi_record WHERE tenant_id = $1) AS records,
              (SELECT count(*)::int FROM mpi_block_lock WHERE tenant_id = $1) AS locks`,
      [tenantId],
    );
    assert.equal(rows[0]?.records, 300);
    const keys = new Set(patients.flatMap((patient) => blockingKeys(toMatchRecord(patient))));
    assert.equal(rows[0]?.locks, keys.size);
  });

  it('claims an id once: a second record for the same id is not stored over the first', async () => {
    const tenantId = `t-${randomBytes(6).toString('hex')}`;
    const patient = { ...buildPerson(), id: 'same' };
    const first = await db.transaction((tx) => fileNewPatient(tx, tenantId, patient));
    assert.equal(first.prepared.isClaimed, true);
    const second = await db.transaction((tx) =>
      prepareRecordWrite(tx, {
        tenantId,
        record: toMatchRecord({ ...buildPerson(NEAR_DUPLICATE), id: 'same' }),
        keys: [],
        contentHash: 'other',
        now: NOW,
      }),
    );
    assert.equal(second.isClaimed, false);
    assert.equal(second.state?.contentHash, contentHashOf(toMatchRecord(patient), patient));
  });

  it(
    'makes a concurrent writer sharing a key wait, then find the first record among its candidates',
    { skip: testDatabaseMode() === 'embedded' ? 'one connection: PGlite runs transactions one at a time' : false },
    async () => {
      const tenantId = `t-${randomBytes(6).toString('hex')}`;
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let filedFirst: () => void = () => undefined;
      const firstFiled = new Promise<void>((resolve) => {
        filedFirst = resolve;
      });
      // 1. The first registration files its record and holds its transaction open.
      const first = db.transaction(async (tx) => {
        await fileNewPatient(tx, tenantId, { ...buildPerson(), id: 'first' });
        filedFirst();
        await released;
      });
      await firstFiled;
      // 2. The same person registered elsewhere at the same moment: it waits on the shared keys.
      let isSecondDone = false;
      const second = db.transaction(async (tx) => {
        const filed = await fileNewPatient(tx, tenantId, { ...buildPerson(NEAR_DUPLICATE), id: 'second' });
        isSecondDone = true;
        return filed;
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(isSecondDone, false, 'the second writer waits for the first to commit');
      // 3. Once the first commits, the second finds it.
      release();
      await first;
      const { lookup } = await second;
      assert.deepEqual(
        lookup.candidates.map((candidate) => candidate.id),
        ['first'],
      );
    },
  );
});
