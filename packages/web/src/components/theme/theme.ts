/** What the person chose in the theme switch; `system` follows the operating system's setting. */
export type ThemePreference = 'light' | 'dark' | 'system';

/** The theme the page is drawn in. */
export type Theme = 'light' | 'dark';

export const THEME_PREFERENCES: readonly ThemePreference[] = ['light', 'dark', 'system'];

/** Where the choice is remembered: localStorage, so it holds for every tab and after a restart. */
export const THEME_STORAGE_KEY = 'caregraph.theme';

/** The stored preference; `system` when none was stored, storage is unavailable or the entry is unknown. */
export function readThemePreference(storage: Pick<Storage, 'getItem'> | undefined): ThemePreference {
  try {
    const stored = storage?.getItem(THEME_STORAGE_KEY);
    return THEME_PREFERENCES.find((preference) => preference === stored) ?? 'system';
  } catch {
    return 'system';
  }
}

/** Remembers the preference; `system` removes the entry, so a later change of the OS setting is followed. */
export function writeThemePreference(
  storage: Pick<Storage, 'setItem' | 'removeItem'> | undefined,
  preference: ThemePreference,
): void {
  try {
    if (preference === 'system') {
      storage?.removeItem(THEME_STORAGE_KEY);
    } else {
      storage?.setItem(THEME_STORAGE_KEY, preference);
    }
  } catch {
    // Private browsing may refuse storage; the choice then lasts until the page is left.
  }
}

/** The theme a preference means, given whether the system asks for dark colours. */
export function resolveTheme(preference: ThemePreference, systemPrefersDark: boolean): Theme {
  if (preference === 'system') {
    return systemPrefersDark ? 'dark' : 'light';
  }
  return preference;
}

/**
 * Pins the page to the preference: `data-theme` on the root element sets its color-scheme, which
 * the colour properties in styles.css resolve through light-dark(). `system` removes the pin.
 */
export function applyThemePreference(
  root: { dataset: Record<string, string | undefined> },
  preference: ThemePreference,
): void {
  if (preference === 'system') {
    delete root.dataset.theme;
  } else {
    root.dataset.theme = preference;
  }
}
