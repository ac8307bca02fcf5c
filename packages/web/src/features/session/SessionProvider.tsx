import { ApiError, createHttpClient, type HttpClient } from '@caregraph/core/client';
import { useQueryClient } from '@tanstack/react-query';
import type { User, UserManager } from 'oidc-client-ts';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  createUserManager,
  endSignIn,
  loadWebClientConfiguration,
  signInStateOf,
  startSignIn,
  type SignInKind,
  type WebClientConfiguration,
} from './oidc.ts';
import { isPatientOnly, sessionUserOf, type SessionUser } from './session-user.ts';

/** Who is signed in: the access token the API client sends, and the user it belongs to. */
export type Session = { token: string; user: SessionUser };

type SessionStatus = 'loading' | 'signed-in' | 'signed-out';

type SessionState = {
  status: SessionStatus;
  session: Session | undefined;
  /** A client that sends the session's access token; undefined when signed out. */
  client: HttpClient | undefined;
  /** Why sign-in cannot start (server unreachable, unknown tenant); undefined when it can. */
  configurationError: string | undefined;
  /** Sends the browser to the sign-in page of the authorization server. */
  signIn: (kind: SignInKind, returnTo: string | undefined) => Promise<void>;
  /** Finishes a sign-in on the redirect URI; answers where to go next. */
  completeSignIn: () => Promise<{ returnTo: string | undefined; session: Session }>;
  signOut: () => Promise<void>;
};

const SessionContext = createContext<SessionState | undefined>(undefined);

function sessionOf(user: User | null): Session | undefined {
  if (!user || user.expired) {
    return undefined;
  }
  return { token: user.access_token, user: sessionUserOf(user.profile, user.access_token) };
}

type Setup = { manager: UserManager; configuration: WebClientConfiguration };

/** The user manager, made once per page load from the server's web client configuration. */
let setupPromise: Promise<Setup> | undefined;
function loadSetup(): Promise<Setup> {
  setupPromise ??= loadWebClientConfiguration(new URLSearchParams(window.location.search).get('tenant') ?? undefined)
    .then((configuration) => ({ configuration, manager: createUserManager(configuration) }))
    .catch((error: unknown) => {
      // A later attempt (the user pressing Sign in again) asks the server again.
      setupPromise = undefined;
      throw error;
    });
  return setupPromise;
}

/** A redirect URI is used once: React may mount the callback twice, so both share one exchange. */
let callbackPromise: Promise<User> | undefined;

/** Restores a stored sign-in, renewing it with the refresh token when the access token has expired. */
async function restoreUser(manager: UserManager): Promise<User | null> {
  const stored = await manager.getUser();
  if (!stored || !stored.expired) {
    return stored;
  }
  if (!stored.refresh_token) {
    await manager.removeUser();
    return null;
  }
  try {
    return await manager.signinSilent();
  } catch {
    await manager.removeUser();
    return null;
  }
}

/** One renewal at a time: many queries can fail with 401 at once. */
let renewalPromise: Promise<void> | undefined;

/**
 * After a 401 (the access token was revoked or the user disabled before it expired), renews with
 * the refresh token; when that is refused too, the sign-in is over.
 */
function renewOrEnd(): Promise<void> {
  renewalPromise ??= loadSetup()
    .then(async ({ manager }) => {
      try {
        await manager.signinSilent();
      } catch {
        await manager.removeUser();
      }
    })
    .finally(() => {
      renewalPromise = undefined;
    });
  return renewalPromise;
}

/** Holds who is signed in, keeps their tokens fresh, and hands out an API client with their access token. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<SessionStatus>('loading');
  const [session, setSession] = useState<Session | undefined>();
  const [configurationError, setConfigurationError] = useState<string | undefined>();

  useEffect(() => {
    let isCurrent = true;
    let detach = () => {};
    const isCallback = window.location.pathname === '/sign-in/callback';
    loadSetup()
      .then(async ({ manager }) => {
        const apply = (user: User | null) => {
          if (isCurrent) {
            const next = sessionOf(user);
            setSession(next);
            setStatus(next ? 'signed-in' : 'signed-out');
          }
        };
        const onLoaded = (user: User) => apply(user);
        const onUnloaded = () => apply(null);
        // A failed renewal (refresh token revoked or expired) ends the session.
        const onRenewError = () => void manager.removeUser();
        manager.events.addUserLoaded(onLoaded);
        manager.events.addUserUnloaded(onUnloaded);
        manager.events.addSilentRenewError(onRenewError);
        detach = () => {
          manager.events.removeUserLoaded(onLoaded);
          manager.events.removeUserUnloaded(onUnloaded);
          manager.events.removeSilentRenewError(onRenewError);
        };
        // The callback route finishes its own sign-in; restoring here would race it.
        if (!isCallback) {
          apply(await restoreUser(manager));
        }
      })
      .catch((error: unknown) => {
        if (isCurrent) {
          setConfigurationError(error instanceof Error ? error.message : 'Sign-in is unavailable.');
          setStatus('signed-out');
        }
      });
    return () => {
      isCurrent = false;
      detach();
    };
  }, []);

  useEffect(
    () =>
      queryClient.getQueryCache().subscribe((event) => {
        const error: unknown =
          event.type === 'updated' && event.action.type === 'error' ? event.action.error : undefined;
        if (error instanceof ApiError && error.status === 401) {
          void renewOrEnd();
        }
      }),
    [queryClient],
  );

  const signIn = useCallback(async (kind: SignInKind, returnTo: string | undefined) => {
    const { manager, configuration } = await loadSetup();
    setConfigurationError(undefined);
    await startSignIn(manager, configuration, { kind, returnTo });
  }, []);

  const completeSignIn = useCallback(async () => {
    const { manager, configuration } = await loadSetup();
    try {
      callbackPromise ??= manager.signinRedirectCallback();
      const user = await callbackPromise;
      const next = sessionOf(user);
      if (!next) {
        throw new Error('The sign-in returned no usable token.');
      }
      const state = signInStateOf(user);
      const kind = isPatientOnly(next.user) ? 'patient' : 'staff';
      if (state && state.kind !== kind) {
        // A patient used the staff button (or the other way round): the token holds none of the
        // access they need. They have just entered their password, so only the consent is asked again.
        await manager.removeUser();
        await startSignIn(manager, configuration, { ...state, kind }, { isReauthenticating: false });
        return await new Promise<never>(() => {});
      }
      setSession(next);
      setStatus('signed-in');
      return { returnTo: state?.returnTo, session: next };
    } catch (error) {
      setStatus('signed-out');
      throw error;
    }
  }, []);

  const signOut = useCallback(async () => {
    try {
      const { manager } = await loadSetup();
      await endSignIn(manager);
    } finally {
      setSession(undefined);
      setStatus('signed-out');
      // Nothing read with the old token may show after signing out.
      queryClient.clear();
    }
  }, [queryClient]);

  const client = useMemo(
    () => (session ? createHttpClient({ baseUrl: '', token: session.token }) : undefined),
    [session],
  );
  const value = useMemo(
    () => ({ status, session, client, configurationError, signIn, completeSignIn, signOut }),
    [status, session, client, configurationError, signIn, completeSignIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The session state; only inside a SessionProvider. */
export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) {
    throw new Error('useSession must be used inside <SessionProvider>');
  }
  return state;
}

/** The signed-in user; only on screens behind RequireSession. */
export function useSessionUser(): SessionUser {
  const { session } = useSession();
  if (!session) {
    throw new Error('useSessionUser needs a signed-in session (wrap the route in <RequireSession>)');
  }
  return session.user;
}

/** The signed-in API client; only on screens behind RequireSession. */
export function useClient(): HttpClient {
  const { client } = useSession();
  if (!client) {
    throw new Error('useClient needs a signed-in session (wrap the route in <RequireSession>)');
  }
  return client;
}
