/**
 * Where the signed-in credential lives: sessionStorage, so it is scoped to the browser tab and
 * gone when the tab closes, and never in a URL or a cookie the server did not set.
 */
const STORAGE_KEY = 'caregraph.session';

/** Who is signed in: the API credential and the tenant it belongs to. */
export type Session = { token: string };

/** The stored session, or undefined when nobody is signed in (or storage is unavailable). */
export function readSession(storage: Pick<Storage, 'getItem'> = window.sessionStorage): Session | undefined {
  try {
    const raw = storage.getItem(STORAGE_KEY);
    if (!raw) {
      return undefined;
    }
    const parsed = JSON.parse(raw) as unknown;
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as Session).token === 'string') {
      return { token: (parsed as Session).token };
    }
  } catch {
    // A corrupt entry counts as signed out.
  }
  return undefined;
}

export function writeSession(session: Session, storage: Pick<Storage, 'setItem'> = window.sessionStorage): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(storage: Pick<Storage, 'removeItem'> = window.sessionStorage): void {
  storage.removeItem(STORAGE_KEY);
}
