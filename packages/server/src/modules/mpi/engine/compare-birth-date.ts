// Birth date comparator: the usual ways a date is mis-keyed each get their own level, so the model learns
// how much each still says about identity.
import { editDistance } from './string-metrics.ts';

/**
 * Edits between two YYYYMMDD strings, exact up to 2 and "3" for anything further. Counting differing
 * positions first avoids the full edit distance for the many dates that differ everywhere.
 */
function dateEdits(a: string, b: string): number {
  let differing = 0;
  for (let index = 0; index < a.length; index++) {
    if (a[index] !== b[index]) {
      differing++;
    }
  }
  if (differing <= 1) {
    return differing;
  }
  return differing > 4 ? 3 : Math.min(3, editDistance(a, b));
}

export const BIRTH_DATE_LEVELS = ['exact', 'dayMonthSwap', 'oneEdit', 'yearMonth', 'twoEdits', 'different'] as const;

type Level = (typeof BIRTH_DATE_LEVELS)[number];

function level(a: string, b: string): Level {
  if (a === b) {
    return 'exact';
  }
  const [ya, ma, da] = a.split('-');
  const [yb, mb, db] = b.split('-');
  if (ya === yb && ma === db && da === mb) {
    return 'dayMonthSwap';
  }
  const edits = dateEdits(a.replace(/-/g, ''), b.replace(/-/g, ''));
  // A year one off with the same month and day ("1959" / "1960") is a keying slip too, though two digits differ.
  if (edits === 1 || (ma === mb && da === db && Math.abs(Number(ya) - Number(yb)) === 1)) {
    return 'oneEdit';
  }
  if (ya === yb && ma === mb) {
    return 'yearMonth';
  }
  // Two slips at once, each common alone: day and month swapped and the year one off.
  if (ma === db && da === mb && Math.abs(Number(ya) - Number(yb)) === 1) {
    return 'twoEdits';
  }
  return edits === 2 ? 'twoEdits' : 'different';
}

/** Level index in BIRTH_DATE_LEVELS, or -1 when either date is missing. */
export function compareBirthDates(a: string | undefined, b: string | undefined): number {
  if (!a || !b) {
    return -1;
  }
  return BIRTH_DATE_LEVELS.indexOf(level(a, b));
}
