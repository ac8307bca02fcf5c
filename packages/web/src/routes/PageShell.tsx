import { useEffect, type ReactNode } from 'react';
import { Link, NavLink } from 'react-router';
import { useSession } from '../features/session/SessionProvider.tsx';
import './page-shell.css';

type PageShellProps = {
  /** The page's name, shown in the browser tab. */
  title: string;
  /** Wider pages (charts) use the full width. */
  wide?: boolean;
  children: ReactNode;
};

/** The frame of every signed-in screen: skip link, top bar with navigation, and the main region. */
export function PageShell({ title, wide = false, children }: PageShellProps) {
  const { session, signOut } = useSession();
  useEffect(() => {
    document.title = `${title} · CareGraph`;
  }, [title]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <div className={wide ? 'container container--wide top-bar__inner' : 'container top-bar__inner'}>
          <Link to="/" className="top-bar__brand">
            <svg className="top-bar__mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
              <rect width="32" height="32" rx="7" />
              <path d="M13 7h6v6h6v6h-6v6h-6v-6H7v-6h6z" />
            </svg>
            CareGraph
          </Link>
          {session && (
            <nav aria-label="Main">
              <NavLink to="/patients" end>
                Patients
              </NavLink>
              <button type="button" className="button button--small" onClick={signOut}>
                Sign out
              </button>
            </nav>
          )}
        </div>
      </header>
      <main id="main" className={wide ? 'container container--wide stack' : 'container stack'} tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
