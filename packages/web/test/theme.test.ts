import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyThemePreference,
  readThemePreference,
  resolveTheme,
  THEME_STORAGE_KEY,
  writeThemePreference,
} from '../src/components/theme/theme.ts';

/** A Storage stand-in over a Map. */
function memoryStorage(initial: Record<string, string> = {}) {
  const entries = new Map(Object.entries(initial));
  return {
    entries,
    getItem: (key: string) => entries.get(key) ?? null,
    setItem: (key: string, value: string) => void entries.set(key, value),
    removeItem: (key: string) => void entries.delete(key),
  };
}

describe('theme', () => {
  it('follows the system for `system` and pins light or dark otherwise', () => {
    assert.equal(resolveTheme('system', true), 'dark');
    assert.equal(resolveTheme('system', false), 'light');
    assert.equal(resolveTheme('light', true), 'light');
    assert.equal(resolveTheme('dark', false), 'dark');
  });

  it('reads the remembered choice, and `system` when none, an unknown one, or storage fails', () => {
    assert.equal(readThemePreference(memoryStorage({ [THEME_STORAGE_KEY]: 'dark' })), 'dark');
    assert.equal(readThemePreference(memoryStorage()), 'system');
    assert.equal(readThemePreference(memoryStorage({ [THEME_STORAGE_KEY]: 'sepia' })), 'system');
    assert.equal(
      readThemePreference({
        getItem: () => {
          throw new Error('storage disabled');
        },
      }),
      'system',
    );
    assert.equal(readThemePreference(undefined), 'system');
  });

  it('remembers light and dark, and forgets the entry for `system` so later OS changes are followed', () => {
    const storage = memoryStorage();
    writeThemePreference(storage, 'light');
    assert.equal(storage.entries.get(THEME_STORAGE_KEY), 'light');
    writeThemePreference(storage, 'system');
    assert.equal(storage.entries.has(THEME_STORAGE_KEY), false);
  });

  it('pins the root with data-theme and removes the pin for `system`', () => {
    const root: { dataset: Record<string, string | undefined> } = { dataset: {} };
    applyThemePreference(root, 'dark');
    assert.equal(root.dataset.theme, 'dark');
    applyThemePreference(root, 'system');
    assert.equal(root.dataset.theme, undefined);
  });
});
