// Controlled corruption: the errors and changes that make one person's records disagree across
// source systems. Each kind is applied only where it can change something (a day/month swap needs
// a day of 12 or less), so the requested rate is the rate that really happens.
import { loadNameFrequencies, NICKNAMES } from './names.ts';
import { copyDemographics, daysInMonth, formatDate, randomAddress, randomPhone, type Demographics } from './person.ts';
import { chance, pick, pickWeighted, randomInt, weightedList, type Random } from './random.ts';

export const CORRUPTION_KINDS = [
  'typo',
  'nickname',
  'day-month-swap',
  'year-off-by-one',
  'date-typo',
  'moved',
  'missing-fields',
  'name-swap',
  'family-name-change',
] as const;

export type CorruptionKind = (typeof CORRUPTION_KINDS)[number];

/** How often each kind is chosen among those that apply; typos and moves are the most common. */
const KIND_WEIGHTS: Record<CorruptionKind, number> = {
  typo: 3,
  nickname: 1.5,
  'day-month-swap': 1,
  'year-off-by-one': 1,
  'date-typo': 1,
  moved: 2,
  'missing-fields': 2,
  'name-swap': 0.5,
  'family-name-change': 0.7,
};

/** Neighbouring keys on a QWERTY keyboard, for substitution typos. */
const KEYBOARD_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

function neighbourKey(random: Random, letter: string): string {
  const lower = letter.toLowerCase();
  for (const row of KEYBOARD_ROWS) {
    const index = row.indexOf(lower);
    if (index >= 0) {
      const options = [row[index - 1], row[index + 1]].filter((key): key is string => key !== undefined);
      const key = pick(random, options);
      return letter === lower ? key : key.toUpperCase();
    }
  }
  return letter;
}

/** One keying error: substitute a neighbouring key, drop, double or transpose a letter. */
export function typo(random: Random, word: string): string {
  if (word.length < 2) {
    return word + neighbourKey(random, word || 'a');
  }
  const at = randomInt(random, 1, word.length - 1);
  const letter = word.charAt(at);
  switch (pick(random, ['substitute', 'drop', 'double', 'transpose'] as const)) {
    case 'substitute':
      return word.slice(0, at) + neighbourKey(random, letter) + word.slice(at + 1);
    case 'drop':
      return word.slice(0, at) + word.slice(at + 1);
    case 'double':
      return word.slice(0, at) + letter + word.slice(at);
    case 'transpose':
      return at + 1 < word.length && word.charAt(at + 1) !== letter
        ? word.slice(0, at) + word.charAt(at + 1) + letter + word.slice(at + 2)
        : word.slice(0, at) + word.slice(at + 1);
  }
}

function parseDate(date: string): [number, number, number] {
  const [year, month, day] = date.split('-').map(Number);
  return [year ?? 0, month ?? 1, day ?? 1];
}

function isApplicable(kind: CorruptionKind, record: Demographics): boolean {
  const [, month, day] = record.birthDate ? parseDate(record.birthDate) : [0, 0, 0];
  switch (kind) {
    case 'nickname':
      return NICKNAMES[record.given[0] ?? ''] !== undefined;
    case 'day-month-swap':
      return record.birthDate !== undefined && day <= 12 && day !== month;
    case 'year-off-by-one':
    case 'date-typo':
      return record.birthDate !== undefined;
    case 'family-name-change':
      return record.sex === 'female';
    case 'typo':
    case 'moved':
    case 'missing-fields':
    case 'name-swap':
      return true;
  }
}

function changeBirthDate(random: Random, record: Demographics, kind: CorruptionKind): void {
  const [year, month, day] = parseDate(record.birthDate ?? '');
  if (kind === 'day-month-swap') {
    record.birthDate = formatDate(year, day, month);
  } else if (kind === 'year-off-by-one') {
    const newYear = year + (chance(random, 0.5) ? 1 : -1);
    record.birthDate = formatDate(newYear, month, Math.min(day, daysInMonth(newYear, month)));
  } else {
    // One mistyped digit of the day or the month, kept a valid date.
    const newDay = randomInt(random, 1, daysInMonth(year, month));
    const newMonth = randomInt(random, 1, 12);
    const isDay = chance(random, 0.6) || newMonth === month;
    const shifted = isDay
      ? formatDate(year, month, newDay === day ? (day % daysInMonth(year, month)) + 1 : newDay)
      : formatDate(year, newMonth, Math.min(day, daysInMonth(year, newMonth)));
    record.birthDate = shifted;
  }
}

function dropFields(random: Random, record: Demographics): void {
  const droppable: Array<() => void> = [
    () => delete record.address,
    () => delete record.phone,
    () => delete record.email,
    () => delete record.sex,
    () => delete record.nationalId,
    () => record.given.splice(1),
  ];
  if (chance(random, 0.15)) {
    droppable.push(() => delete record.birthDate);
  }
  const count = randomInt(random, 1, 3);
  for (let dropped = 0; dropped < count && droppable.length > 0; dropped++) {
    droppable.splice(Math.floor(random() * droppable.length), 1)[0]?.();
  }
}

function applyCorruption(random: Random, record: Demographics, kind: CorruptionKind): void {
  switch (kind) {
    case 'typo':
      if (chance(random, 0.55)) {
        record.family = typo(random, record.family);
      } else {
        record.given[0] = typo(random, record.given[0] ?? '');
      }
      return;
    case 'nickname':
      record.given[0] = pick(random, NICKNAMES[record.given[0] ?? ''] ?? []);
      return;
    case 'day-month-swap':
    case 'year-off-by-one':
    case 'date-typo':
      changeBirthDate(random, record, kind);
      return;
    case 'moved': {
      const address = randomAddress(random, chance(random, 0.5) ? record.address?.city : undefined);
      record.address = address;
      if (chance(random, 0.5)) {
        record.phone = randomPhone(random, address.city);
      }
      return;
    }
    case 'missing-fields':
      dropFields(random, record);
      return;
    case 'name-swap': {
      const given = record.given[0] ?? '';
      record.given[0] = record.family;
      record.family = given;
      return;
    }
    case 'family-name-change': {
      const married = pickWeighted(random, loadNameFrequencies().surnames);
      record.family = chance(random, 0.3) ? `${record.family}-${married}` : married;
      return;
    }
  }
}

/**
 * A corrupted copy of `person`: 1–3 distinct kinds (mostly one) drawn from those that apply.
 * Resolves to the copy and the kinds applied, in order.
 */
export function corruptDemographics(
  random: Random,
  person: Demographics,
): { record: Demographics; kinds: CorruptionKind[] } {
  const record = copyDemographics(person);
  const count = pick(random, [1, 1, 1, 2, 2, 3]);
  const kinds: CorruptionKind[] = [];
  for (let applied = 0; applied < count; applied++) {
    const candidates = CORRUPTION_KINDS.filter((kind) => !kinds.includes(kind) && isApplicable(kind, record));
    if (candidates.length === 0) {
      break;
    }
    const kind = pickWeighted(random, weightedList(candidates.map((item) => ({ item, weight: KIND_WEIGHTS[item] }))));
    applyCorruption(random, record, kind);
    kinds.push(kind);
  }
  return { record, kinds };
}
