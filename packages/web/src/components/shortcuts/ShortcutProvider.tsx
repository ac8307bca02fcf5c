import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { ShortcutHelp } from './ShortcutHelp.tsx';
import { isTypingTarget, pressKey, SEQUENCE_TIMEOUT_MS, shortcutKeyOf, type Shortcut } from './shortcut-keys.ts';

type ShortcutRegistry = {
  /** Adds shortcuts until the returned function is called. */
  register: (shortcuts: readonly Shortcut[]) => () => void;
  /** Every registered shortcut, oldest registration first (for the help). */
  shortcuts: readonly Shortcut[];
  /** Opens the help dialog listing them. */
  openHelp: () => void;
};

const ShortcutContext = createContext<ShortcutRegistry | undefined>(undefined);

/**
 * Listens to the keyboard for the whole app: screens add shortcuts with `useShortcuts`, `?` lists
 * them in a dialog. Keys typed into text fields (inputs, textareas, comboboxes) are never taken.
 */
export function ShortcutProvider({ children }: { children: ReactNode }) {
  const [registrations, setRegistrations] = useState<readonly (readonly Shortcut[])[]>([]);
  const [isHelpOpen, setHelpOpen] = useState(false);
  const register = useCallback((shortcuts: readonly Shortcut[]) => {
    setRegistrations((current) => [...current, shortcuts]);
    return () => setRegistrations((current) => current.filter((entry) => entry !== shortcuts));
  }, []);
  const helpShortcut = useMemo<Shortcut>(
    () => ({ keys: '?', description: 'Show keyboard shortcuts', group: 'General', run: () => setHelpOpen(true) }),
    [],
  );
  const shortcuts = useMemo(() => [helpShortcut, ...registrations.flat()], [helpShortcut, registrations]);
  useKeyboardShortcuts(shortcuts, !isHelpOpen);
  const openHelp = useCallback(() => setHelpOpen(true), []);
  const value = useMemo(() => ({ register, shortcuts, openHelp }), [register, shortcuts, openHelp]);
  return (
    <ShortcutContext.Provider value={value}>
      {children}
      <ShortcutHelp shortcuts={shortcuts} isOpen={isHelpOpen} onClose={() => setHelpOpen(false)} />
    </ShortcutContext.Provider>
  );
}

/**
 * One keydown listener on the document that runs the matching shortcut. It stays attached while
 * disabled (the help is open) and reads the flag on each key, so no key is missed in the moment
 * between the help closing and a new listener being attached.
 */
function useKeyboardShortcuts(shortcuts: readonly Shortcut[], isEnabled: boolean): void {
  const pending = useRef<string[]>([]);
  const resetTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const state = useRef({ shortcuts, isEnabled });
  useEffect(() => {
    state.current = { shortcuts, isEnabled };
  });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const key = shortcutKeyOf(event);
      const isTyping = isTypingTarget(elementOf(event.target));
      if (!state.current.isEnabled || event.defaultPrevented || event.repeat || key === undefined || isTyping) {
        pending.current = [];
        return;
      }
      const result = pressKey(pending.current, key, state.current.shortcuts);
      pending.current = result.pending;
      clearTimeout(resetTimer.current);
      if (result.pending.length > 0) {
        resetTimer.current = setTimeout(() => (pending.current = []), SEQUENCE_TIMEOUT_MS);
      }
      if (result.run) {
        // `/` would open the browser's quick find, `?` would type into the field it focuses.
        event.preventDefault();
        result.run.run();
      }
    };
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
      clearTimeout(resetTimer.current);
    };
  }, []);
}

function elementOf(target: EventTarget | null): HTMLElement | null {
  return target instanceof HTMLElement ? target : null;
}

function useRegistry(): ShortcutRegistry {
  const registry = useContext(ShortcutContext);
  if (!registry) {
    throw new Error('keyboard shortcuts need a <ShortcutProvider> around the app');
  }
  return registry;
}

/** Opens the dialog that lists every shortcut (for a button that does what `?` does). */
export function useOpenShortcutHelp(): () => void {
  return useRegistry().openHelp;
}

/**
 * Registers keyboard shortcuts while the calling component is mounted; they are listed in the
 * `?` help. `run` may change on every render (the latest is called); the list is registered again
 * only when its keys or descriptions change.
 * @example
 * useShortcuts([{ keys: 'g p', description: 'Go to patients', run: () => navigate('/patients') }]);
 */
export function useShortcuts(shortcuts: readonly Shortcut[]): void {
  const { register } = useRegistry();
  const latest = useRef(shortcuts);
  useEffect(() => {
    latest.current = shortcuts;
  });
  const signature = shortcuts.map((shortcut) => `${shortcut.keys}\t${shortcut.description}\t${shortcut.group ?? ''}`);
  const key = signature.join('\n');
  useEffect(() => {
    const entries = latest.current.map((shortcut, index) => ({
      ...shortcut,
      run: () => latest.current[index]?.run(),
    }));
    return register(entries);
  }, [register, key]);
}
