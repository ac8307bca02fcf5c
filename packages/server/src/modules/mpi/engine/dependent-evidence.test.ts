import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MOVED_PHONE_WEIGHT, NAME_DERIVED_EMAIL_CAP } from './dependent-evidence.ts';
import { buildPatient, type PersonFields } from './engine-test-support.ts';
import { defaultModel } from './model.ts';
import { toMatchRecord } from './normalise-patient.ts';
import { scorePair, weighPair } from './score-pair.ts';

const model = defaultModel();
const pair = (a: PersonFields, b: PersonFields) =>
  [toMatchRecord(buildPatient(a)), toMatchRecord(buildPatient(b))] as const;
const weightOf = (a: PersonFields, b: PersonFields, field: string) =>
  scorePair(model, ...pair(a, b)).fields.find((comparison) => comparison.field === field)?.weight ?? Number.NaN;

const father = {
  id: 'a',
  given: 'Mark',
  family: 'Jenkins',
  birthDate: '1946-01-09',
  email: 'jenkins.mark@example.net',
};
const son = { id: 'b', given: 'Mark', family: 'Jenkins', birthDate: '2011-09-05', email: 'jenkins.mark@example.net' };

describe('dependent evidence', () => {
  it('lets an e-mail made of the agreeing names add only a few bits', () => {
    assert.equal(weightOf(father, son, 'email'), NAME_DERIVED_EMAIL_CAP);
    // A typo in one record's name leaves the mailbox as likely to be shared.
    assert.equal(weightOf(father, { ...son, family: 'Jenkisn' }, 'email'), NAME_DERIVED_EMAIL_CAP);
  });

  it('keeps the full weight of a mailbox with more than the names, or when the names differ', () => {
    const specific = { email: 'markj1946@example.net' };
    assert.ok(weightOf({ ...father, ...specific }, { ...son, ...specific }, 'email') > NAME_DERIVED_EMAIL_CAP + 5);
    assert.ok(weightOf(father, { ...son, given: 'Paula', family: 'Okafor' }, 'email') > NAME_DERIVED_EMAIL_CAP + 5);
  });

  it('charges a move once when both the street and the locality differ', () => {
    const before = { id: 'a', given: 'Ann', family: 'Lee', line: '1 High Street', city: 'Leeds', postalCode: 'LS1' };
    const after = { id: 'b', given: 'Ann', family: 'Lee', line: '9 Mill Road', city: 'Bath', postalCode: 'BA2' };
    const fields = scorePair(model, ...pair(before, after)).fields;
    const street = fields.find((field) => field.field === 'street');
    const locality = fields.find((field) => field.field === 'locality');
    assert.equal(street?.agreement, 'disagree');
    assert.equal(street?.weight, 0);
    const streetAlone = Math.log2(
      (model.fields.street.levels.at(-1)?.m ?? 1) / (model.fields.street.levels.at(-1)?.u ?? 1),
    );
    const localityAlone = Math.log2(
      (model.fields.locality.levels.at(-1)?.m ?? 1) / (model.fields.locality.levels.at(-1)?.u ?? 1),
    );
    assert.ok(Math.abs((locality?.weight ?? 0) - Math.min(streetAlone, localityAlone)) < 1e-9);
  });

  it('counts a new phone beside a new street as a weak disagreement only', () => {
    const before = {
      id: 'a',
      given: 'Ann',
      family: 'Lee',
      line: '1 High Street',
      city: 'Leeds',
      phone: '0113 496 0000',
    };
    const after = { ...before, id: 'b', line: '9 Mill Road', phone: '0113 496 0999' };
    assert.equal(weightOf(before, after, 'phone'), MOVED_PHONE_WEIGHT);
    const stayed = { ...after, line: before.line };
    assert.ok(weightOf(before, stayed, 'phone') < MOVED_PHONE_WEIGHT);
  });

  it('gives the quick weight the same total as the explained score', () => {
    const [a, b] = pair(father, son);
    const explained = scorePair(model, a, b);
    const quick = weighPair(model, a, b);
    assert.ok(Math.abs(explained.weight - quick.weight) < 1e-9);
    assert.ok(Math.abs(explained.probability - quick.probability) < 1e-12);
  });
});
