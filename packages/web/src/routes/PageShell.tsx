import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { Link, NavLink, useLocation, useNavigate } from 'react-router';
import { useOpenShortcutHelp, useShortcuts } from '../components/shortcuts/ShortcutProvider.tsx';
import type { Shortcut } from '../components/shortcuts/shortcut-keys.ts';
import { ThemeSwitch } from '../components/theme/ThemeSwitch.tsx';
import { PatientSearchBox } from '../features/patients/PatientSearchBox.tsx';
import { homePathFor, navigationFor } from '../features/session/role-access.ts';
import type { SessionUser } from '../features/session/session-user.ts';
import { useSession } from '../features/session/SessionProvider.tsx';
import './page-shell.css';

type PageShellProps = {
  /** The page's name, shown in the browser tab. */
  title: string;
  /** Wider pages (charts) use the full width. */
  wide?: boolean;
  children: ReactNode;
};

/** The shortcuts of every signed-in screen: search, and moving between the main pages the user's roles open. */
function useShellShortcuts(user: SessionUser | undefined, focusSearch: () => void): void {
  const navigate = useNavigate();
  const areas = new Set(navigationFor(user?.roles ?? []).map((item) => item.area));
  const shortcuts: Shortcut[] = [];
  if (user) {
    if (areas.has('patients')) {
      shortcuts.push({ keys: '/', description: 'Find a patient', group: 'General', run: focusSearch });
    }
    shortcuts.push({
      keys: 'g h',
      description: 'Go to the home page',
      group: 'Go to',
      run: () => void navigate(homePathFor(user.roles)),
    });
    if (areas.has('patients')) {
      shortcuts.push({
        keys: 'g p',
        description: 'Go to patients',
        group: 'Go to',
        run: () => void navigate('/patients'),
      });
    }
  }
  useShortcuts(shortcuts);
}

/**
 * The frame of every signed-in screen: skip link, top bar with the patient search and navigation
 * (behind a menu button on narrow screens), and the main region.
 */
export function PageShell({ title, wide = false, children }: PageShellProps) {
  const { session, signOut } = useSession();
  const navigate = useNavigate();
  const navigation = navigationFor(session?.user.roles ?? []);
  const canSearchPatients = navigation.some((item) => item.area === 'patients');
  const signOutAndLeave = () => {
    void signOut().finally(() => void navigate('/sign-in?signedOut=1', { replace: true }));
  };
  const searchRef = useRef<HTMLInputElement>(null);
  const [isMenuOpen, setMenuOpen] = useState(false);
  const menuId = useId();
  const location = useLocation();
  const openShortcutHelp = useOpenShortcutHelp();
  useEffect(() => {
    document.title = `${title} · CareGraph`;
  }, [title]);
  // A followed link closes the menu.
  useEffect(() => setMenuOpen(false), [location.pathname]);
  useShellShortcuts(session?.user, () => searchRef.current?.focus());
  const width = wide ? 'container container--wide' : 'container';
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        {/* The top bar uses the full width on every page: it holds more than a narrow page's column. */}
        <div className="container container--wide top-bar__inner">
          <Link to={session ? homePathFor(session.user.roles) : '/'} className="top-bar__brand">
            <svg className="top-bar__mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
              <rect width="32" height="32" rx="7" />
              <path d="M13 7h6v6h6v6h-6v6h-6v-6H7v-6h6z" />
            </svg>
            CareGraph
          </Link>
          {session && canSearchPatients && <PatientSearchBox inputRef={searchRef} />}
          <button
            type="button"
            className="button button--small top-bar__menu-button"
            aria-expanded={isMenuOpen}
            aria-controls={menuId}
            onClick={() => setMenuOpen((open) => !open)}
          >
            Menu
          </button>
          <div id={menuId} className={isMenuOpen ? 'top-bar__menu top-bar__menu--open' : 'top-bar__menu'}>
            {session && navigation.length > 0 && (
              <nav aria-label="Main">
                {navigation.map((item) => (
                  <NavLink key={item.to} to={item.to} end={item.end ?? false}>
                    {item.label}
                  </NavLink>
                ))}
              </nav>
            )}
            <ThemeSwitch />
            <button
              type="button"
              className="button button--small top-bar__shortcuts"
              aria-keyshortcuts="?"
              title="Keyboard shortcuts (?)"
              onClick={openShortcutHelp}
            >
              <span className="top-bar__shortcuts-label">Keyboard shortcuts</span>
              <kbd aria-hidden="true">?</kbd>
            </button>
            {session && (
              <span className="top-bar__user" data-testid="signed-in-user">
                {session.user.name}
              </span>
            )}
            {session && (
              <button type="button" className="button button--small" onClick={signOutAndLeave}>
                Sign out
              </button>
            )}
          </div>
        </div>
      </header>
      <main id="main" className={`${width} stack`} tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
