/**
 * A service URL with the user, password and path percent-encoded (a
 * password generated today is [A-Za-z0-9], one set by an operator may not
 * be) and an IPv6 host in brackets.
 */
export function serviceUrl(scheme: string, auth: { user: string; password: string }, host: string, port: number, path: string): string {
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${scheme}://${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.password)}@${hostPart}:${port}/${encodeURIComponent(path)}`;
}
