/** What a key does in the suggestion list of a combobox. */
export type ComboboxKeyAction =
  { kind: 'move'; index: number } | { kind: 'choose'; index: number } | { kind: 'close' } | { kind: 'none' };

/**
 * The WAI-ARIA combobox keyboard model (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/):
 * Down/Up move through the options and wrap, Home/End jump (only while the list is open), Enter
 * chooses the active option, Escape closes the list. `active` is -1 when no option is active.
 */
export function comboboxKeyAction(
  key: string,
  active: number,
  optionCount: number,
  isOpen: boolean,
): ComboboxKeyAction {
  if (key === 'Escape') {
    return isOpen ? { kind: 'close' } : { kind: 'none' };
  }
  if (optionCount === 0) {
    return { kind: 'none' };
  }
  switch (key) {
    case 'ArrowDown':
      return { kind: 'move', index: !isOpen || active < 0 || active >= optionCount - 1 ? 0 : active + 1 };
    case 'ArrowUp':
      return { kind: 'move', index: !isOpen || active <= 0 ? optionCount - 1 : active - 1 };
    case 'Home':
      return isOpen ? { kind: 'move', index: 0 } : { kind: 'none' };
    case 'End':
      return isOpen ? { kind: 'move', index: optionCount - 1 } : { kind: 'none' };
    case 'Enter':
      return isOpen && active >= 0 && active < optionCount ? { kind: 'choose', index: active } : { kind: 'none' };
    default:
      return { kind: 'none' };
  }
}
