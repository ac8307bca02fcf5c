import { ApiError, createHttpClient } from '@caregraph/core/client';
import { useId, useState, type SyntheticEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { Card } from '../../components/Card.tsx';
import { useSession } from '../../features/session/SessionProvider.tsx';
import { safeReturnPath } from '../../features/session/return-path.ts';
import { PageShell } from '../PageShell.tsx';
import './sign-in.css';

/** Checks a credential with a request that reads no PHI: a count-only Patient search. */
async function verifyToken(token: string): Promise<void> {
  await createHttpClient({ baseUrl: '', token }).get('/fhir/R4/Patient', { _summary: 'count' });
}

function describeSignInError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401 || error.status === 403) {
      return 'That API key was not accepted. Check it and try again.';
    }
    return error.status === 0 ? error.message : `The server answered ${error.status}: ${error.message}`;
  }
  return 'Signing in failed unexpectedly. Try again.';
}

/** Sign-in with the tenant's API key (the credential the server issues; see README "Configuration"). */
export function SignIn() {
  const { signIn } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const inputId = useId();
  const errorId = useId();

  const submit = async (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    const trimmed = token.trim();
    if (!trimmed) {
      setError('Enter the API key.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await verifyToken(trimmed);
      signIn({ token: trimmed });
      await navigate(safeReturnPath(params.get('returnTo')), { replace: true });
    } catch (caught) {
      setError(describeSignInError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <PageShell title="Sign in">
      <Card title="Sign in to CareGraph">
        <form className="sign-in" onSubmit={(event) => void submit(event)} noValidate>
          <label htmlFor={inputId}>API key</label>
          <input
            id={inputId}
            name="api-key"
            type="password"
            autoComplete="current-password"
            value={token}
            onChange={(event) => setToken(event.target.value)}
            aria-invalid={error !== undefined}
            aria-describedby={error ? errorId : undefined}
            required
          />
          {error && (
            <p id={errorId} className="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
          <p className="hint">
            The key is <code className="code-inline">CAREGRAPH_API_KEY</code>, or the one the server generated in{' '}
            <code className="code-inline">&lt;data dir&gt;/api-key</code>. It is kept for this browser tab only.
          </p>
        </form>
      </Card>
    </PageShell>
  );
}
