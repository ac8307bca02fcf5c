// Fellegi–Sunter adds field weights as if the fields were independent given the match status. An e-mail
// address made of the person's names (mark.jenkins@…, jenkins.m@…) is not: among people of the same name,
// such addresses collide far more often than among random pairs, from which u was learned — a father and
// son, or two namesakes at one provider. When the names already agree, such an e-mail adds at most a few
// bits, so it cannot by itself link two people whose birth dates and addresses differ.
//
// Likewise a move changes the street and the locality at once: for a true match both disagree together
// about as often as either alone, so the pair is charged for the move once, with the larger of the two.
// A move often comes with a new phone line too: beside a different street, a different phone costs at most
// MOVED_PHONE_WEIGHT.
import { LOCALITY_LEVELS, STREET_LEVELS } from './compare-address.ts';
import { PHONE_LEVELS } from './compare-contact.ts';
import { FIELD_NAMES } from './types.ts';
import type { MatchRecord } from './types.ts';

/** Most bits a name-derived e-mail adds when the names agree too. */
export const NAME_DERIVED_EMAIL_CAP = 4;
/** Most a differing phone counts against a pair whose streets differ as well (log2, negative). */
export const MOVED_PHONE_WEIGHT = -1;
// Name words shorter than this match inside too many mailboxes by chance.
const MIN_NAME_LENGTH = 3;

const GIVEN = FIELD_NAMES.indexOf('givenName');
const FAMILY = FIELD_NAMES.indexOf('familyName');
const EMAIL = FIELD_NAMES.indexOf('email');
const STREET = FIELD_NAMES.indexOf('street');
const LOCALITY = FIELD_NAMES.indexOf('locality');
const PHONE = FIELD_NAMES.indexOf('phone');
// Levels 0 to 4 of both name fields are exact, alias, fuzzy, phonetic and similar: the names agree, perhaps
// with a typo, which leaves a name-derived mailbox just as likely to be shared.
const AGREEING_NAME_LEVELS = 4;

function mailbox(email: string): string {
  return email.slice(0, email.lastIndexOf('@'));
}

/**
 * Whether a shared e-mail's mailbox is nothing but the records' names: with the names, their initials and
 * separators taken out, at most one letter is left ("jenkins.mark", "gwilliams"). A mailbox with more of
 * its own ("lisamoore85") stays specific to one person.
 */
function isNameDerivedSharedEmail(a: MatchRecord, b: MatchRecord): boolean {
  const names = [...a.givenNames, ...a.familyNames, ...b.givenNames, ...b.familyNames]
    .filter((name) => name.length >= MIN_NAME_LENGTH)
    .sort((x, y) => y.length - x.length);
  return a.emails.some((email) => {
    if (!b.emails.includes(email)) {
      return false;
    }
    let rest = mailbox(email);
    const length = rest.length;
    for (const name of names) {
      rest = rest.replace(name, '');
    }
    return rest.length < length && rest.replace(/[._-]/g, '').length <= 1;
  });
}

function isLastLevel(levels: Int8Array, field: number, levelCount: number): boolean {
  return levels[field] === levelCount - 1;
}

/**
 * Adjusts `weights` (per field, FIELD_NAMES order) where fields repeat each other's evidence: a name-derived
 * e-mail beside agreeing names, and a street, locality and phone that differ together after a move.
 */
export function discountDependentEvidence(
  levels: Int8Array,
  weights: Float64Array,
  a: MatchRecord,
  b: MatchRecord,
): void {
  const given = levels[GIVEN] ?? -1;
  const family = levels[FAMILY] ?? -1;
  const emailWeight = weights[EMAIL] ?? 0;
  if (
    levels[EMAIL] === 0 &&
    emailWeight > NAME_DERIVED_EMAIL_CAP &&
    given >= 0 &&
    given <= AGREEING_NAME_LEVELS &&
    family >= 0 &&
    family <= AGREEING_NAME_LEVELS &&
    isNameDerivedSharedEmail(a, b)
  ) {
    weights[EMAIL] = NAME_DERIVED_EMAIL_CAP;
  }
  const hasMoved = isLastLevel(levels, STREET, STREET_LEVELS.length);
  if (hasMoved && isLastLevel(levels, PHONE, PHONE_LEVELS.length)) {
    weights[PHONE] = Math.max(weights[PHONE] ?? 0, MOVED_PHONE_WEIGHT);
  }
  if (hasMoved && isLastLevel(levels, LOCALITY, LOCALITY_LEVELS.length)) {
    weights[LOCALITY] = Math.min(weights[STREET] ?? 0, weights[LOCALITY] ?? 0);
    weights[STREET] = 0;
  }
}
