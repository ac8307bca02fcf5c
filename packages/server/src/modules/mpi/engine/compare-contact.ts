// Sex, phone, e-mail and identifier comparators. Identifiers are compared only within one system: equal
// MRN values from two hospitals say nothing.
import { editDistance } from './string-metrics.ts';
import type { IdentifierDigests, MatchIdentifier } from './types.ts';

export const SEX_LEVELS = ['same', 'different'] as const;
export const PHONE_LEVELS = ['exact', 'oneEdit', 'different'] as const;
export const EMAIL_LEVELS = ['exact', 'similar', 'different'] as const;
export const IDENTIFIER_LEVELS = ['exact', 'oneEdit', 'different'] as const;

// Jaro–Winkler misjudges long strings with repeated letters, so e-mail addresses are compared by edits: one
// in a short address, two in a long one. A shared mailbox name counts only when it is long enough to be
// personal ("f.s" is not; "robert255" is).
const LONG_EMAIL = 15;
const PERSONAL_MAILBOX = 6;
// Below this length one edit turns most values into other valid values, so a near miss means nothing.
export const MIN_EDITABLE_LENGTH = 5;

export function compareSex(a: string | undefined, b: string | undefined): number {
  if (!a || !b) {
    return -1;
  }
  return a === b ? 0 : 1;
}

function exactOrNear(a: readonly string[], b: readonly string[], isNear: (x: string, y: string) => boolean): number {
  if (a.length === 0 || b.length === 0) {
    return -1;
  }
  if (a.some((value) => b.includes(value))) {
    return 0;
  }
  return a.some((x) => b.some((y) => isNear(x, y))) ? 1 : 2;
}

function isOneEdit(a: string, b: string): boolean {
  return a.length >= MIN_EDITABLE_LENGTH && b.length >= MIN_EDITABLE_LENGTH && editDistance(a, b) === 1;
}

export function comparePhones(a: readonly string[], b: readonly string[]): number {
  return exactOrNear(a, b, isOneEdit);
}

function mailbox(email: string): string {
  return email.slice(0, email.lastIndexOf('@'));
}

function isSimilarEmail(a: string, b: string): boolean {
  const user = mailbox(a);
  if (user.length >= PERSONAL_MAILBOX && user === mailbox(b)) {
    return true;
  }
  const allowed = Math.min(a.length, b.length) >= LONG_EMAIL ? 2 : 1;
  return Math.abs(a.length - b.length) <= allowed && editDistance(a, b) <= allowed;
}

export function compareEmails(a: readonly string[], b: readonly string[]): number {
  return exactOrNear(a, b, isSimilarEmail);
}

/** An identifier whose value is sealed: `value` and `digests` are keyed hashes. */
export type SealedIdentifier = MatchIdentifier & { digests: IdentifierDigests };

const isSealed = (identifier: MatchIdentifier): identifier is SealedIdentifier => identifier.digests !== undefined;

/**
 * Whether two sealed values are one edit apart, from their hashes alone: one is the other with a
 * character removed (insertion or deletion) or two adjacent ones swapped, or both have the same one
 * position changed (substitution). The digests are made only for values long enough for isOneEdit,
 * so the two agree.
 */
export function isOneEditSealed(a: SealedIdentifier, b: SealedIdentifier): boolean {
  return (
    a.digests.neighbours.includes(b.value) ||
    b.digests.neighbours.includes(a.value) ||
    a.digests.substitutions.some((digest) => b.digests.substitutions.includes(digest))
  );
}

/** Level of two identifiers of one system; undefined when one is sealed and the other not (never compared). */
function identifierLevel(x: MatchIdentifier, y: MatchIdentifier): number | undefined {
  if (isSealed(x) && isSealed(y)) {
    return x.value === y.value ? 0 : isOneEditSealed(x, y) ? 1 : 2;
  }
  if (isSealed(x) || isSealed(y)) {
    // A record stored before its system was sealed holds the value in clear until it is re-normalised:
    // a hash and a value cannot be compared, and taking them for different would count against the pair.
    return undefined;
  }
  return x.value === y.value ? 0 : isOneEdit(x.value, y.value) ? 1 : 2;
}

/**
 * Compares the identifiers both records hold in a shared system, among the authoritative or the other ones.
 * Level index in IDENTIFIER_LEVELS, or -1 when they share no system.
 */
export function compareIdentifiers(
  a: readonly MatchIdentifier[],
  b: readonly MatchIdentifier[],
  authoritative: boolean,
): number {
  let best = -1;
  for (const x of a) {
    if (x.authoritative !== authoritative) {
      continue;
    }
    for (const y of b) {
      if (y.authoritative !== authoritative || y.system !== x.system) {
        continue;
      }
      const level = identifierLevel(x, y);
      if (level !== undefined && (best < 0 || level < best)) {
        best = level;
      }
    }
  }
  return best;
}
