import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { safeReturnPath } from '../../features/session/return-path.ts';
import { homePathFor } from '../../features/session/role-access.ts';
import { useSession } from '../../features/session/SessionProvider.tsx';
import { PageShell } from '../PageShell.tsx';

/** Why the authorization server sent the user back without a code, in words for them. */
function describeCallbackError(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (/access_denied|denied/i.test(message)) {
    return 'Access was not allowed. Sign in again and choose Allow to use CareGraph.';
  }
  if (/state/i.test(message)) {
    return 'This sign-in was already used or has expired. Start again.';
  }
  return message ? `Signing in failed: ${message}` : 'Signing in failed. Start again.';
}

/** The redirect URI: exchanges the code (with the PKCE verifier) for tokens, then opens the page asked for. */
export function SignInCallback() {
  const { completeSignIn } = useSession();
  const navigate = useNavigate();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let isCurrent = true;
    completeSignIn()
      .then(({ returnTo, session }) => {
        if (isCurrent) {
          // `replace`: the code in this address must not stay in the history.
          void navigate(safeReturnPath(returnTo, homePathFor(session.user.roles)), { replace: true });
        }
      })
      .catch((caught: unknown) => {
        if (isCurrent) {
          setError(describeCallbackError(caught));
          window.history.replaceState(null, '', '/sign-in/callback');
        }
      });
    return () => {
      isCurrent = false;
    };
  }, [completeSignIn, navigate]);
  return (
    <PageShell title="Signing in">
      <Card title={error ? 'Sign-in did not complete' : 'Signing in…'}>
        {error ? (
          <>
            <p className="form-error" role="alert">
              {error}
            </p>
            <p>
              <Link to="/sign-in">Sign in again</Link>
            </p>
          </>
        ) : (
          <p role="status">Finishing sign-in…</p>
        )}
      </Card>
    </PageShell>
  );
}
