import { Link } from 'react-router';
import { ConnectCard } from '../../features/connect/ConnectCard.tsx';
import { homePathFor } from '../../features/session/role-access.ts';
import { useSession } from '../../features/session/SessionProvider.tsx';
import { StatusPanel } from '../../features/status/StatusPanel.tsx';
import './home.css';

/** The landing page: what CareGraph is, whether the server is healthy, and how to use its API. */
export function Home() {
  const { session } = useSession();
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="container">
          <h1 className="brand">
            <svg className="brand__mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
              <rect width="32" height="32" rx="7" />
              <path d="M13 7h6v6h6v6h-6v6h-6v-6H7v-6h6z" />
            </svg>
            CareGraph
          </h1>
          <p className="tagline">
            FHIR R4-native clinical platform: patient journey graph, master patient index and verifiable audit trail.
          </p>
          <p className="home-actions">
            {session ? (
              <Link to={homePathFor(session.user.roles)} className="button">
                Open CareGraph
              </Link>
            ) : (
              <Link to="/sign-in" className="button">
                Sign in
              </Link>
            )}
          </p>
        </div>
      </header>
      <main id="main" className="container stack" tabIndex={-1}>
        <StatusPanel />
        <ConnectCard />
      </main>
      <footer className="site-footer">
        <div className="container">
          <a href="/fhir/R4/metadata">CapabilityStatement</a>
          <span aria-hidden="true"> · </span>
          <a href="/readyz">Readiness</a>
          <span aria-hidden="true"> · </span>
          <span>Apache-2.0</span>
        </div>
      </footer>
    </>
  );
}
