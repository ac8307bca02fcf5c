/** What a shortcut does on the review screen. */
export type ReviewAction = 'link' | 'not-a-match' | 'merge' | 'next' | 'previous';

/**
 * The review screen's keys (as `KeyboardEvent.key`), in the order the shortcut help lists them:
 * a decision's initial letter, j/k to move as in mail and feed readers, and the arrow keys too.
 */
export const REVIEW_SHORTCUTS: readonly { keys: string; action: ReviewAction; description: string }[] = [
  { keys: 'l', action: 'link', description: 'Link: the same person' },
  { keys: 'n', action: 'not-a-match', description: 'Not a match' },
  { keys: 'm', action: 'merge', description: 'Merge… (then a or b picks the record that stays)' },
  { keys: 'j', action: 'next', description: 'Next review' },
  { keys: 'ArrowRight', action: 'next', description: 'Next review' },
  { keys: 'k', action: 'previous', description: 'Previous review' },
  { keys: 'ArrowLeft', action: 'previous', description: 'Previous review' },
];

/** The keys bound to an action, for a button's `aria-keyshortcuts`. */
export function keysOf(action: ReviewAction): string {
  return REVIEW_SHORTCUTS.filter((shortcut) => shortcut.action === action)
    .map((shortcut) => shortcut.keys)
    .join(' ');
}
