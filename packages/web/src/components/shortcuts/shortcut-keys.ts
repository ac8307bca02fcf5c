/**
 * A keyboard shortcut: `keys` is one key (`/`, `?`, `n`, `]`) or a sequence pressed one after the
 * other, separated by spaces (`g p`). Keys are compared with `KeyboardEvent.key`, so `?` is what
 * the keyboard layout types, whatever the physical key.
 */
export type Shortcut = {
  keys: string;
  /** What it does, as listed in the shortcut help: "Go to patients". */
  description: string;
  run: () => void;
  /** The heading it is listed under in the help; screens' own shortcuts default to "This page". */
  group?: string;
};

/** How long the next key of a sequence is waited for. */
export const SEQUENCE_TIMEOUT_MS = 1500;

/** The keys of a shortcut, in order: `'g p'` → `['g', 'p']`. */
export function parseKeys(keys: string): string[] {
  return keys.trim().split(/\s+/).filter(Boolean);
}

type KeyEventLike = { key: string; ctrlKey: boolean; altKey: boolean; metaKey: boolean };

/**
 * The key a keydown means for shortcuts, or undefined when Ctrl, Alt or Meta is held (those
 * combinations belong to the browser and the system) or the key is a lone modifier.
 */
export function shortcutKeyOf(event: KeyEventLike): string | undefined {
  if (event.ctrlKey || event.altKey || event.metaKey) {
    return undefined;
  }
  if (['Shift', 'Control', 'Alt', 'Meta', 'CapsLock', 'Dead', 'Unidentified'].includes(event.key)) {
    return undefined;
  }
  return event.key;
}

/** The parts of a DOM element that tell whether keys pressed in it are text being typed. */
type TargetLike = {
  tagName?: string;
  type?: string;
  isContentEditable?: boolean;
  getAttribute?: (name: string) => string | null;
};

/** Inputs whose keys are not text: shortcuts still work while one of them has focus. */
const NON_TEXT_INPUTS = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'image', 'range', 'color', 'file']);
const TEXT_ROLES = new Set(['combobox', 'textbox', 'searchbox', 'spinbutton']);

/** Whether keys pressed in `target` are typing (inputs, textareas, selects, comboboxes, editable text). */
export function isTypingTarget(target: TargetLike | null | undefined): boolean {
  if (!target) {
    return false;
  }
  const tag = target.tagName?.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') {
    return true;
  }
  if (tag === 'INPUT') {
    return !NON_TEXT_INPUTS.has((target.type ?? 'text').toLowerCase());
  }
  if (target.isContentEditable) {
    return true;
  }
  const role = target.getAttribute?.('role');
  return role ? TEXT_ROLES.has(role) : false;
}

/** What the keys pressed so far do: run a shortcut, wait for the next key of a sequence, or nothing. */
export type SequenceMatch = { kind: 'run'; shortcut: Shortcut } | { kind: 'wait' } | { kind: 'none' };

/**
 * Matches pressed keys against the shortcuts. A complete sequence runs (the last registered wins
 * a tie, so a screen can take over a key); a proper prefix of some sequence waits for more.
 */
export function matchSequence(pressed: readonly string[], shortcuts: readonly Shortcut[]): SequenceMatch {
  let isPrefix = false;
  for (const shortcut of [...shortcuts].reverse()) {
    const keys = parseKeys(shortcut.keys);
    if (keys.length < pressed.length || !pressed.every((key, position) => keys[position] === key)) {
      continue;
    }
    if (keys.length === pressed.length) {
      return { kind: 'run', shortcut };
    }
    isPrefix = true;
  }
  return isPrefix ? { kind: 'wait' } : { kind: 'none' };
}

/**
 * One key press: the keys now pending and the shortcut to run, if any. A key that breaks a
 * sequence (`g` then `x`) is tried again on its own, so `g` followed by `/` still focuses search.
 */
export function pressKey(
  pending: readonly string[],
  key: string,
  shortcuts: readonly Shortcut[],
): { pending: string[]; run?: Shortcut } {
  const attempts = pending.length > 0 ? [[...pending, key], [key]] : [[key]];
  for (const pressed of attempts) {
    const match = matchSequence(pressed, shortcuts);
    if (match.kind === 'run') {
      return { pending: [], run: match.shortcut };
    }
    if (match.kind === 'wait') {
      return { pending: pressed };
    }
  }
  return { pending: [] };
}

/** Shortcuts grouped for the help dialog, groups in the order first registered, keys listed once. */
export function groupShortcuts(shortcuts: readonly Shortcut[]): { group: string; shortcuts: Shortcut[] }[] {
  const groups = new Map<string, Map<string, Shortcut>>();
  for (const shortcut of shortcuts) {
    const group = shortcut.group ?? 'This page';
    const entries = groups.get(group) ?? new Map<string, Shortcut>();
    // A later registration of the same keys replaces the earlier one, as matchSequence does.
    entries.set(parseKeys(shortcut.keys).join(' '), shortcut);
    groups.set(group, entries);
  }
  return [...groups].map(([group, entries]) => ({ group, shortcuts: [...entries.values()] }));
}
