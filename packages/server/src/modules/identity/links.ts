// Links e-mailed to users. The token rides in the fragment, which browsers never send to a server,
// so it stays out of access logs and Referer headers; the web page posts it to the API.

export function acceptInviteLink(baseUrl: string, token: string): string {
  return `${baseUrl}/accept-invite#token=${token}`;
}

export function resetPasswordLink(baseUrl: string, token: string): string {
  return `${baseUrl}/reset-password#token=${token}`;
}

/** The token of a link made here, or undefined. */
export function tokenOfLink(link: string): string | undefined {
  return /#token=([A-Za-z0-9_-]+)$/.exec(link)?.[1];
}
