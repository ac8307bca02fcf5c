/**
 * Where to go after signing in: the page that asked for it, if it is a path on this site.
 * Anything else (an absolute or protocol-relative URL) would make the sign-in page an open redirect.
 */
export function safeReturnPath(returnTo: string | null | undefined, fallback = '/patients'): string {
  if (returnTo && returnTo.startsWith('/') && !returnTo.startsWith('//') && !returnTo.includes('\\')) {
    return returnTo;
  }
  return fallback;
}
