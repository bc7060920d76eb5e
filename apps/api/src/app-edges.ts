import type { RouteEntry } from '@paas/core';
import type { Store } from './store/types.js';

/**
 * What the router serves of an app besides `<app>.<PAAS_DOMAIN>`: its custom
 * domains (`paas domain`) and its HTTPS switch (`paas https`).
 */
export interface AppEdge {
  /** Exact or `*.example.com`, served by the app's first web service. */
  domains: string[];
  httpsRedirect: boolean;
  hstsMaxAge: number | null;
}

export const NO_EDGE: AppEdge = Object.freeze({ domains: [], httpsRedirect: false, hstsMaxAge: null });

/** The edges of one app, or of every app that has one when `app` is undefined: two queries, whatever the number of apps. */
export async function loadEdges(store: Pick<Store, 'listDomains' | 'getHttps' | 'listHttps'>, app?: string): Promise<Map<string, AppEdge>> {
  const [domains, https] = await Promise.all([store.listDomains(app), app === undefined ? store.listHttps() : store.getHttps(app).then((h) => [h])]);
  const out = new Map<string, AppEdge>();
  const edgeOf = (name: string): AppEdge => {
    let e = out.get(name);
    if (!e) out.set(name, (e = { domains: [], httpsRedirect: false, hstsMaxAge: null }));
    return e;
  };
  for (const d of domains) edgeOf(d.app).domains.push(d.name);
  for (const h of https) {
    if (!h.redirect && h.hstsMaxAge === null) continue;
    const e = edgeOf(h.app);
    e.httpsRedirect = h.redirect;
    e.hstsMaxAge = h.hstsMaxAge;
  }
  return out;
}

/**
 * An app's full routes from the ones its services give (`<app>.<domain>`,
 * `<service>.<app>.<domain>`): every custom domain routes to the entry of
 * `<app>.<domain>` (the first web service), and every entry carries the
 * HTTPS switch. Hosts outside `domain` in `base` are dropped first: they are
 * custom domains of an earlier edge, and only the current edge names them.
 * Pure, and idempotent: applying it to its own result changes nothing.
 */
export function withEdge(app: string, base: Map<string, RouteEntry>, edge: AppEdge, domain: string): Map<string, RouteEntry> {
  const suffix = `.${domain}`;
  const out = new Map<string, RouteEntry>();
  const decorate = (entry: RouteEntry): RouteEntry => {
    const { httpsRedirect: _r, hstsMaxAge: _h, ...plain } = entry;
    return {
      ...plain,
      ...(edge.httpsRedirect ? { httpsRedirect: true } : {}),
      ...(edge.hstsMaxAge !== null ? { hstsMaxAge: edge.hstsMaxAge } : {}),
    };
  };
  for (const [host, entry] of base) if (host.endsWith(suffix)) out.set(host, decorate(entry));
  const primary = out.get(`${app}${suffix}`);
  if (primary) for (const name of edge.domains) out.set(name, primary);
  return out;
}
