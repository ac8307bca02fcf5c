import { createHttpClient, type HttpClient } from '@caregraph/core/client';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { clearSession, readSession, writeSession, type Session } from './session-store.ts';

type SessionState = {
  session: Session | undefined;
  /** A client that sends the session's credential; undefined when signed out. */
  client: HttpClient | undefined;
  signIn: (session: Session) => void;
  signOut: () => void;
};

const SessionContext = createContext<SessionState | undefined>(undefined);

/** Holds who is signed in and hands out an API client with their credential. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [session, setSession] = useState<Session | undefined>(() => readSession());
  const signIn = useCallback((next: Session) => {
    writeSession(next);
    setSession(next);
  }, []);
  const signOut = useCallback(() => {
    clearSession();
    setSession(undefined);
    // Nothing read with the old credential may show after signing out.
    queryClient.clear();
  }, [queryClient]);
  const client = useMemo(
    () => (session ? createHttpClient({ baseUrl: '', token: session.token }) : undefined),
    [session],
  );
  const value = useMemo(() => ({ session, client, signIn, signOut }), [session, client, signIn, signOut]);
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

/** The signed-in API client; only on screens behind RequireSession. */
export function useClient(): HttpClient {
  const { client } = useSession();
  if (!client) {
    throw new Error('useClient needs a signed-in session (wrap the route in <RequireSession>)');
  }
  return client;
}
