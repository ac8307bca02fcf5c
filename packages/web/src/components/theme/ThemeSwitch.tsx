import { useId } from 'react';
import { THEME_PREFERENCES, type ThemePreference } from './theme.ts';
import { useTheme } from './use-theme.ts';
import './theme-switch.css';

const LABELS: Record<ThemePreference, string> = { light: 'Light', dark: 'Dark', system: 'System' };

/** Light, dark, or the system's setting: a labelled group of three radio buttons styled as a segmented control. */
export function ThemeSwitch() {
  const { preference, theme, setPreference } = useTheme();
  const name = useId();
  return (
    <fieldset className="theme-switch" data-theme-shown={theme}>
      <legend className="visually-hidden">Theme</legend>
      {THEME_PREFERENCES.map((candidate) => (
        <label key={candidate} className="theme-switch__option">
          <input
            type="radio"
            name={name}
            value={candidate}
            checked={preference === candidate}
            onChange={() => setPreference(candidate)}
          />
          <span>{LABELS[candidate]}</span>
        </label>
      ))}
    </fieldset>
  );
}
