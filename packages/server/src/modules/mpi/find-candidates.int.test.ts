import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import type { Database } from '../../platform/db/index.ts';
import { openTestDatabase } from '../../test/test-database.ts';
import { toMatchRecord, WIDE_BLOCK_SIZE } from './engine/index.ts';
import { findCandidates } from './find-candidates.ts';
import { buildDistinctPatients } from './mpi-test-support.ts';
import { CANDIDATE_BUDGET, upsertRecord } from './mpi-records.ts';

const NOW = new Date('2026-01-05T09:00:00Z');
const WIDE_OVER_CAP = '~name-year:OLFR|197_';
const WIDE_UNDER_CAP = '~name-year:LS|198_';
const ORDINARY = 'name-year:OLFR|1975';

const IDENTIFIER = 'id:urn:caregraph:test:mrn|40213377';
const BIRTH_DATE = 'dob:1975-03-14';
const NAME_DAY = 'name-day:OLFR|03-14';
const INITIALS_DAY = 'initials-day:O|W|03-14';
const SURNAME_YEAR = 'name-year:WLMS|1975';

/** Files each patient under its keys, in one transaction; patient ids are `<prefix><index>`. */
async function fileRecords(db: Database, tenantId: string, prefix: string, keysOf: string[][]): Promise<void> {
  const patients = buildDistinctPatients(keysOf.length);
  await db.transaction(async (tx) => {
    for (const [index, blockKeys] of keysOf.entries()) {
      const patient: Patient = { ...patients[index], resourceType: 'Patient', id: `${prefix}${index}` };
      await upsertRecord(tx, {
        tenantId,
        record: toMatchRecord(patient),
        blockKeys,
        previousKeys: [],
        contentHash: `hash-${index}`,
        now: NOW,
      });
    }
  });
}

const repeat = <T>(count: number, value: T): T[] => Array.from({ length: count }, () => value);

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

describe('the candidate budget of one lookup', () => {
  let db: Database;
  let tenantId: string;
  const sizes = { identifier: 1, birthDate: 3, nameDay: 40, initialsDayOnly: 30, surnameYear: CANDIDATE_BUDGET + 50 };

  before(async () => {
    db = await openTestDatabase();
    tenantId = `t-${randomBytes(6).toString('hex')}`;
    // 1. Blocks of growing size: one record under an identifier, three under a full birth date, forty
    //    under a name and birth day; an initials-and-day block holding those forty and thirty more (so
    //    seventy records, but only thirty new candidates); and a surname-and-year block past the budget
    //    but far below the cap of ordinary keys.
    await fileRecords(db, tenantId, 'small-', [
      ...repeat(sizes.identifier, [IDENTIFIER]),
      ...repeat(sizes.birthDate, [BIRTH_DATE]),
      ...repeat(sizes.nameDay, [NAME_DAY, INITIALS_DAY]),
      ...repeat(sizes.initialsDayOnly, [INITIALS_DAY]),
    ]);
    await fileRecords(db, tenantId, 'large-', repeat(sizes.surnameYear, [SURNAME_YEAR]));
  });
  after(async () => {
    await db.close();
  });

  it('takes the small blocks, counting shared records once, and leaves out a large block past the budget', async () => {
    const lookup = await findCandidates(db, {
      tenantId,
      patientId: 'new',
      keys: [SURNAME_YEAR, INITIALS_DAY, NAME_DAY, BIRTH_DATE, IDENTIFIER],
    });
    assert.equal(lookup.keysOverBudget, 1);
    assert.equal(lookup.oversizedKeys, 0);
    // The initials block holds 70 records, but 40 of them came with the name block: 1 + 3 + 40 + 30 distinct.
    assert.equal(lookup.candidates.length, sizes.identifier + sizes.birthDate + sizes.nameDay + sizes.initialsDayOnly);
    assert.ok(lookup.candidates.every((candidate) => candidate.id.startsWith('small-')));
    assert.equal(new Set(lookup.candidates.map((candidate) => candidate.id)).size, lookup.candidates.length);
  });

  it('leaves out a block once its new records would take the total past the budget', async () => {
    const lookup = await findCandidates(db, {
      tenantId,
      patientId: 'new',
      keys: [IDENTIFIER, BIRTH_DATE, NAME_DAY, INITIALS_DAY],
      candidateBudget: sizes.identifier + sizes.birthDate + sizes.nameDay,
    });
    assert.equal(lookup.keysOverBudget, 1);
    assert.equal(lookup.candidates.length, sizes.identifier + sizes.birthDate + sizes.nameDay);
  });

  it('finds the records of a record whose only shared key is a large block when the budget allows it', async () => {
    const alone = await findCandidates(db, { tenantId, patientId: 'new', keys: [INITIALS_DAY] });
    assert.equal(alone.keysOverBudget, 0);
    assert.equal(alone.candidates.length, sizes.nameDay + sizes.initialsDayOnly);

    const surname = await findCandidates(db, {
      tenantId,
      patientId: 'new',
      keys: [SURNAME_YEAR],
      candidateBudget: sizes.surnameYear,
    });
    assert.equal(surname.keysOverBudget, 0);
    assert.equal(surname.candidates.length, sizes.surnameYear);
    assert.ok(surname.candidates.every((candidate) => candidate.id.startsWith('large-')));
  });

  it('does not count the record itself against the budget', async () => {
    const lookup = await findCandidates(db, {
      tenantId,
      patientId: 'small-0',
      keys: [IDENTIFIER, BIRTH_DATE],
      candidateBudget: sizes.birthDate,
    });
    assert.equal(lookup.keysOverBudget, 0);
    assert.deepEqual(lookup.candidates.map((candidate) => candidate.id).sort(), ['small-1', 'small-2', 'small-3']);
  });

  it('always reads the smallest block, even past the budget, so no record is left without candidates', async () => {
    const lookup = await findCandidates(db, {
      tenantId,
      patientId: 'new',
      keys: [SURNAME_YEAR, NAME_DAY],
      candidateBudget: 10,
    });
    assert.equal(lookup.keysOverBudget, 1);
    assert.equal(lookup.candidates.length, sizes.nameDay);
    assert.ok(lookup.candidates.every((candidate) => candidate.id.startsWith('small-')));
  });
});
