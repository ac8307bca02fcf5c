import { Suspense, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { canOpen, type Area } from './role-access.ts';
import { NoAccess } from './NoAccess.tsx';
import { useSession } from './SessionProvider.tsx';

type RequireSessionProps = {
  /** The area the screen belongs to: users whose roles do not open it see a "no access" page. */
  area?: Area;
  children: ReactNode;
};

/**
 * Renders its children when signed in (and, with `area`, allowed there); otherwise sends the user
 * to sign in and back here after, or explains that the page is not for their role.
 */
export function RequireSession({ area, children }: RequireSessionProps) {
  const { status, session } = useSession();
  const location = useLocation();
  const loading = (
    <p className="session-loading" role="status">
      Loading…
    </p>
  );
  if (status === 'loading') {
    return loading;
  }
  if (!session) {
    const returnTo = `${location.pathname}${location.search}`;
    return <Navigate to={`/sign-in?returnTo=${encodeURIComponent(returnTo)}`} replace />;
  }
  if (area !== undefined && !canOpen(area, session.user.roles)) {
    return <NoAccess />;
  }
  // Screens loaded on first use (React.lazy) suspend here, not the whole app.
  return <Suspense fallback={loading}>{children}</Suspense>;
}
