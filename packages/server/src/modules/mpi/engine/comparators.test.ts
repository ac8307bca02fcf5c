import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { compareBirthDates, BIRTH_DATE_LEVELS } from './compare-birth-date.ts';
import { compareEmails, compareIdentifiers, EMAIL_LEVELS, IDENTIFIER_LEVELS } from './compare-contact.ts';
import { buildPatient, type PersonFields } from './engine-test-support.ts';
import { compareRecords, FIELDS } from './fields.ts';
import { sealIdentifier } from './normalise-contact.ts';
import { isNickname } from './nicknames.ts';
import { toMatchRecord } from './normalise-patient.ts';
import { FIELD_NAMES, type FieldName } from './types.ts';

const dateLevel = (a: string, b: string) => BIRTH_DATE_LEVELS[compareBirthDates(a, b)];

/** The level name each field reaches for two records built from the given fields. */
function levelsOf(a: Omit<PersonFields, 'id'>, b: Omit<PersonFields, 'id'>): Partial<Record<FieldName, string>> {
  const levels = compareRecords(
    toMatchRecord(buildPatient({ id: 'a', ...a })),
    toMatchRecord(buildPatient({ id: 'b', ...b })),
  );
  return Object.fromEntries(
    FIELD_NAMES.flatMap((field, index) => {
      const level = levels[index] ?? -1;
      return level >= 0 ? [[field, FIELDS[field].levels[level]]] : [];
    }),
  );
}

describe('birth date comparator', () => {
  it('recognises the usual keying errors', () => {
    assert.equal(dateLevel('1956-04-09', '1956-04-09'), 'exact');
    assert.equal(dateLevel('1956-04-09', '1956-09-04'), 'dayMonthSwap');
    assert.equal(dateLevel('1956-04-09', '1956-04-08'), 'oneEdit');
    assert.equal(dateLevel('1959-04-09', '1960-04-09'), 'oneEdit');
    assert.equal(dateLevel('1956-04-09', '1956-04-21'), 'yearMonth');
    assert.equal(dateLevel('1956-04-09', '1965-04-09'), 'oneEdit');
    assert.equal(dateLevel('1956-04-09', '1946-05-09'), 'twoEdits');
    assert.equal(dateLevel('1966-09-02', '1965-02-09'), 'twoEdits');
    assert.equal(dateLevel('1956-04-09', '1987-11-23'), 'different');
    assert.equal(compareBirthDates(undefined, '1987-11-23'), -1);
  });
});

describe('name comparators', () => {
  it('treats Bob and Robert as the same given name', () => {
    assert.equal(isNickname('bob', 'robert'), true);
    assert.equal(isNickname('robert', 'bob'), true);
    assert.equal(isNickname('bob', 'mary'), false);
    assert.equal(levelsOf({ given: 'Bob', family: 'Smith' }, { given: 'Robert', family: 'Smith' }).givenName, 'alias');
  });

  it('matches Müller, Mueller and muller', () => {
    assert.equal(levelsOf({ family: 'Müller' }, { family: 'muller' }).familyName, 'exact');
    assert.equal(levelsOf({ family: 'Müller' }, { family: 'Mueller' }).familyName, 'phonetic');
    assert.equal(levelsOf({ family: 'Mueller' }, { family: 'muller' }).familyName, 'phonetic');
  });

  it('compares swapped given and family names crossed', () => {
    const levels = levelsOf({ given: 'Mikhayla', family: 'Hannagan' }, { given: 'Hannagan', family: 'Mikhayla' });
    assert.equal(levels.givenName, 'exact');
    assert.equal(levels.familyName, 'exact');
  });

  it('notices a given name written in the other record’s family-name slot', () => {
    assert.equal(levelsOf({ given: 'Reuben' }, { given: 'Davies', family: 'Reuben' }).givenName, 'crossed');
  });

  it('grades typos, sound-alikes and unrelated names apart', () => {
    assert.equal(levelsOf({ given: 'Jackson' }, { given: 'Jackaon' }).givenName, 'fuzzy');
    assert.equal(levelsOf({ family: 'Smith' }, { family: 'Smyth' }).familyName, 'phonetic');
    assert.equal(levelsOf({ given: 'J' }, { given: 'John' }).givenName, 'initial');
    assert.equal(levelsOf({ given: 'Mary' }, { given: 'Oliver' }).givenName, 'different');
  });

  it('grades a typo in the first given name as fuzzy though a middle name is shared, and only the middle name as alias', () => {
    assert.equal(levelsOf({ given: 'Jackie Tamara' }, { given: 'Jsckie Tamara' }).givenName, 'fuzzy');
    assert.equal(levelsOf({ given: 'Freddie Robert' }, { given: 'Ry Robert' }).givenName, 'alias');
  });
});

describe('address and contact comparators', () => {
  it('agrees on the same street spelled differently and on a move within a town', () => {
    const same = levelsOf(
      { line: '12 Hurley Street', city: 'Kempsey', postalCode: '5162' },
      { line: '12 hurley st', city: 'kempsey', postalCode: '5162' },
    );
    assert.deepEqual([same.street, same.locality], ['exact', 'postcodeAndCity']);
    const moved = levelsOf(
      { line: '12 Hurley Street', city: 'Kempsey', postalCode: '5162' },
      { line: '3 Station Road', city: 'Kempsey', postalCode: '5162' },
    );
    assert.deepEqual([moved.street, moved.locality], ['different', 'postcodeAndCity']);
  });

  it('compares phones by their last nine digits', () => {
    assert.equal(levelsOf({ phone: '+44 20 7946 0018' }, { phone: '020 7946 0018' }).phone, 'exact');
    assert.equal(levelsOf({ phone: '020 7946 0018' }, { phone: '020 7946 0019' }).phone, 'oneEdit');
  });

  it('takes a one-letter e-mail typo as similar but not two short mailboxes that share letters', () => {
    const level = (a: string, b: string) => EMAIL_LEVELS[compareEmails([a], [b])];
    assert.equal(level('dmacdonald@rivers-glass.biz', 'dracdonald@rivers-glass.biz'), 'similar');
    assert.equal(level('f.j@sharp.com', 'f.s@flynn.com'), 'different');
  });

  it('compares identifiers only within one system', () => {
    const ssn = (value: string) => ({ system: 'http://hl7.org/fhir/sid/us-ssn', value, authoritative: true });
    const mrn = (value: string) => ({ system: 'urn:mrn', value, authoritative: false });
    assert.equal(IDENTIFIER_LEVELS[compareIdentifiers([ssn('123456789')], [ssn('123456789')], true)], 'exact');
    assert.equal(IDENTIFIER_LEVELS[compareIdentifiers([ssn('123456789')], [ssn('123456798')], true)], 'oneEdit');
    assert.equal(IDENTIFIER_LEVELS[compareIdentifiers([ssn('123456789')], [ssn('987654321')], true)], 'different');
    assert.equal(compareIdentifiers([ssn('123456789')], [mrn('123456789')], true), -1);
  });

  describe('sealed identifiers', () => {
    const hash = (system: string, value: string) =>
      createHmac('sha256', 'test key').update(`${system}|${value}`).digest('base64url');
    const ssn = (value: string) => ({ system: 'http://hl7.org/fhir/sid/us-ssn', value, authoritative: true });
    const sealed = (value: string) => sealIdentifier(ssn(value), hash);
    const level = (a: string, b: string) => IDENTIFIER_LEVELS[compareIdentifiers([sealed(a)], [sealed(b)], true)];

    it('keeps no value in clear: the value and every digest are hashes', () => {
      const identifier = sealed('123456789');
      const texts = [
        identifier.value,
        ...(identifier.digests?.neighbours ?? []),
        ...(identifier.digests?.substitutions ?? []),
      ];
      assert.equal(identifier.value, hash(identifier.system, '123456789'));
      assert.ok(texts.every((text) => !text.includes('12345')));
      assert.equal(identifier.digests?.substitutions.length, 9);
    });

    it('finds equal values, one substitution, insertion, deletion or swap, and nothing further', () => {
      assert.equal(level('123456789', '123456789'), 'exact');
      assert.equal(level('123456789', '123406789'), 'oneEdit');
      assert.equal(level('123456789', '1234567890'), 'oneEdit');
      assert.equal(level('123456789', '12356789'), 'oneEdit');
      assert.equal(level('123456789', '123456798'), 'oneEdit');
      assert.equal(level('123456789', '987654321'), 'different');
      // Two edits: each value has a deletion the other shares, but at other positions.
      assert.equal(level('123456789', '234567891'), 'different');
      assert.equal(level('123456789', '123056709'), 'different');
    });

    it('agrees with the comparator on clear values for every pair of nearby values', () => {
      const values = [
        ...['11111', '1111', '111111', '11112', '12345', '1234', '123456', '12354', '21345', '12045', '23451'],
        ...['123456789', '12345678', '023456789', '123465789', '234567891', '1234567890', '123456780', '113456789'],
      ];
      for (const a of values) {
        for (const b of values) {
          const clear = IDENTIFIER_LEVELS[compareIdentifiers([ssn(a)], [ssn(b)], true)];
          assert.equal(level(a, b), clear, `${a} ${b}`);
        }
      }
    });

    it('does not compare a sealed value with one stored in clear', () => {
      assert.equal(compareIdentifiers([sealed('123456789')], [ssn('123456789')], true), -1);
    });
  });
});
