import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import type { Database } from '../../platform/db/index.ts';
import { openTestDatabase } from '../../test/test-database.ts';
import { toMatchRecord, WIDE_BLOCK_SIZE } from './engine/index.ts';
import { findCandidates } from './find-candidates.ts';
import { buildDistinctPatients } from './mpi-test-support.ts';
import { upsertRecord } from './mpi-records.ts';

const NOW = new Date('2026-01-05T09:00:00Z');
const WIDE_OVER_CAP = '~name-year:OLFR|197_';
const WIDE_UNDER_CAP = '~name-year:LS|198_';
const ORDINARY = 'name-year:OLFR|1975';

describe('finding candidates by blocking key', () => {
  let db: Database;
  let tenantId: string;

  before(async () => {
    db = await openTestDatabase();
    tenantId = `t-${randomBytes(6).toString('hex')}`;
    // 1. Records filed under one wide key past its cap, another wide key below it, and an ordinary key
    //    holding as many records as the first, far below the ordinary cap.
    const groups: Array<[string, number]> = [
      [WIDE_OVER_CAP, WIDE_BLOCK_SIZE + 5],
      [WIDE_UNDER_CAP, WIDE_BLOCK_SIZE - 10],
      [ORDINARY, WIDE_BLOCK_SIZE + 5],
    ];
    const patients = buildDistinctPatients(groups.reduce((sum, [, size]) => sum + size, 0));
    let next = 0;
    await db.transaction(async (tx) => {
      for (const [key, size] of groups) {
        for (let member = 0; member < size; member++) {
          const patient: Patient = {
            ...patients[next],
            resourceType: 'Patient',
            id: `p${String(next).padStart(3, '0')}`,
          };
          next++;
          await upsertRecord(tx, {
            tenantId,
            record: toMatchRecord(patient),
            blockKeys: [key],
            previousKeys: [],
            contentHash: `hash-${next}`,
            now: NOW,
          });
        }
      }
    });
  });
  after(async () => {
    await db.close();
  });

  it('skips a wide key past the wide cap while an ordinary key of the same size proposes its records', async () => {
    const lookup = await findCandidates(db, {
      tenantId,
      patientId: 'new',
      keys: [WIDE_OVER_CAP, WIDE_UNDER_CAP, ORDINARY],
    });
    assert.equal(lookup.oversizedKeys, 1);
    assert.equal(lookup.candidates.length, WIDE_BLOCK_SIZE - 10 + WIDE_BLOCK_SIZE + 5);
    assert.ok(lookup.candidates.every((candidate) => candidate.record.id === candidate.id));
  });

  it('caps wide keys at the smaller of the two caps when the caller lowers the ordinary one', async () => {
    const lookup = await findCandidates(db, {
      tenantId,
      patientId: 'new',
      keys: [WIDE_OVER_CAP, WIDE_UNDER_CAP, ORDINARY],
      maxBlockSize: 5,
    });
    assert.equal(lookup.oversizedKeys, 3);
    assert.deepEqual(lookup.candidates, []);
  });
});
