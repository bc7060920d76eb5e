/**
 * What every listener of one process shares besides the route table: the
 * ACME HTTP-01 answers (token → key authorization) and the port HTTP→HTTPS
 * redirects point at (null while no TLS listener is up).
 */
export interface Edge {
  challenges: ReadonlyMap<string, string>;
  httpsPort: number | null;
}

export function newEdge(): Edge {
  return { challenges: new Map(), httpsPort: null };
}

export const acmePrefix = '/.well-known/acme-challenge/';
