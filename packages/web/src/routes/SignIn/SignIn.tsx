import { useState } from 'react';
import { Navigate, useSearchParams } from 'react-router';
import { Card } from '../../components/Card.tsx';
import type { SignInKind } from '../../features/session/oidc.ts';
import { safeReturnPath } from '../../features/session/return-path.ts';
import { homePathFor } from '../../features/session/role-access.ts';
import { useSession } from '../../features/session/SessionProvider.tsx';
import { PageShell } from '../PageShell.tsx';
import './sign-in.css';

/** A return path inside the patient portal means a patient is signing in. */
function kindFor(returnTo: string | null): SignInKind {
  return returnTo?.startsWith('/portal') ? 'patient' : 'staff';
}

/**
 * Sign-in: hands over to CareGraph's authorization server (OpenID Connect, authorization code with
 * PKCE), where the user enters their password and second factor; it sends them back to
 * `/sign-in/callback`. Members of staff and patients ask for different access.
 */
export function SignIn() {
  const { status, session, signIn, configurationError } = useSession();
  const [params] = useSearchParams();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState<SignInKind | undefined>();
  const returnTo = params.get('returnTo');
  const suggested = kindFor(returnTo);

  if (status === 'signed-in' && session) {
    return <Navigate to={safeReturnPath(returnTo, homePathFor(session.user.roles))} replace />;
  }

  const start = async (kind: SignInKind) => {
    setBusy(kind);
    setError(undefined);
    try {
      await signIn(kind, returnTo && returnTo !== '/' ? safeReturnPath(returnTo) : undefined);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : 'Signing in failed unexpectedly. Try again.');
      setBusy(undefined);
    }
  };
  const shown = error ?? configurationError ?? params.get('error') ?? undefined;
  const button = (kind: SignInKind, label: string) => (
    <button
      type="button"
      className={kind === suggested ? 'button button--primary' : 'button'}
      disabled={busy !== undefined || status === 'loading'}
      onClick={() => void start(kind)}
    >
      {busy === kind ? 'Opening sign-in…' : label}
    </button>
  );

  return (
    <PageShell title="Sign in">
      <Card title="Sign in to CareGraph">
        <div className="sign-in">
          {params.get('signedOut') !== null && !shown && (
            <p role="status" className="hint">
              You have signed out.
            </p>
          )}
          {shown && (
            <p className="form-error" role="alert">
              {shown}
            </p>
          )}
          <div className="sign-in__choices">
            {suggested === 'staff' ? button('staff', 'Sign in') : button('patient', 'Sign in to my health record')}
            {suggested === 'staff'
              ? button('patient', 'Patient? Sign in to my health record')
              : button('staff', 'Staff sign-in')}
          </div>
          <p className="hint">
            You sign in on CareGraph’s sign-in page with your e-mail address, password and, when your organisation asks
            for one, a second factor. Your session is kept for this browser tab only.
          </p>
        </div>
      </Card>
    </PageShell>
  );
}
