import { useCallback, useState, useSyncExternalStore } from 'react';
import {
  applyThemePreference,
  readThemePreference,
  resolveTheme,
  writeThemePreference,
  type Theme,
  type ThemePreference,
} from './theme.ts';

const DARK_QUERY = '(prefers-color-scheme: dark)';

/** Whether the system asks for dark colours now. */
export function systemPrefersDark(): boolean {
  return window.matchMedia(DARK_QUERY).matches;
}

/** Calls `onChange` whenever the system's light/dark setting changes; returns the unsubscribe. */
export function watchSystemTheme(onChange: () => void): () => void {
  const query = window.matchMedia(DARK_QUERY);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}

/** Applies the remembered preference; called once before the first render so no page flashes the wrong theme. */
export function initTheme(): void {
  applyThemePreference(document.documentElement, readThemePreference(window.localStorage));
}

/** The theme preference, the theme it resolves to now, and a setter that applies and remembers a new one. */
export function useTheme(): {
  preference: ThemePreference;
  theme: Theme;
  setPreference: (next: ThemePreference) => void;
} {
  const [preference, setPreferenceState] = useState<ThemePreference>(() => readThemePreference(window.localStorage));
  const prefersDark = useSyncExternalStore(watchSystemTheme, systemPrefersDark);
  const setPreference = useCallback((next: ThemePreference) => {
    writeThemePreference(window.localStorage, next);
    applyThemePreference(document.documentElement, next);
    setPreferenceState(next);
  }, []);
  return { preference, theme: resolveTheme(preference, prefersDark), setPreference };
}
