import type { RouteEntry, RouteTable } from '@paas/core';
import { NO_EDGE, withEdge, type AppEdge } from './app-edges.js';
import type { RouterControl } from './router-client.js';

/** Custom domains and the HTTPS switch: without them the manager routes only what setApp is given. */
export interface RouteTableEdges {
  /** PAAS_DOMAIN: hosts under it come from the app's services, any other host of an app is a custom domain. */
  domain: string;
  /** Reads one app's edge, or every app's (loadEdges over the store). */
  load(app?: string): Promise<Map<string, AppEdge>>;
}

/**
 * The API's view of what the router should serve. Every change replaces the
 * router's whole table. Versions continue from the router's own (read at
 * start), so a restarted API never sends a table the router calls stale; a
 * table the router refuses as stale is an error, and the next change
 * continues from the router's version again.
 *
 * With `edges`, it also keeps every app's custom domains and HTTPS switch
 * and applies them to whatever routes an app is given, inside the one chain
 * of changes: a push's switch and a `paas domain add` never undo each other,
 * without the domain having to wait for the app's lock.
 */
export class RouteTableManager {
  #routes = new Map<string, RouteEntry>();
  #version = 0;
  #pushing: Promise<void> = Promise.resolve();
  #edges = new Map<string, AppEdge>();

  constructor(
    private readonly control: RouterControl,
    private readonly edges?: RouteTableEdges,
  ) {}

  /** Reads the router's table: its version, and its routes as the starting point; and every app's edge. */
  async init(): Promise<void> {
    const table = await this.control.getTable();
    if (this.edges) this.#edges = await this.edges.load();
    this.#version = table.version;
    this.#routes = new Map(Object.entries(table.routes));
  }

  snapshot(): RouteTable {
    return { version: this.#version, routes: Object.fromEntries(this.#routes) };
  }

  /** The hosts currently routed for an app. */
  appRoutes(app: string): Map<string, RouteEntry> {
    const out = new Map<string, RouteEntry>();
    for (const [host, entry] of this.#routes) if (entry.app === app) out.set(host, entry);
    return out;
  }

  /**
   * Replaces every route of the app with these (none: the app is no longer
   * routed), plus its custom domains and HTTPS switch as they are when the
   * change runs.
   */
  setApp(app: string, entries: Map<string, RouteEntry>): Promise<void> {
    return this.update((routes) => this.#replaceApp(routes, app, this.withEdge(app, entries)));
  }

  /** The app's routes as setApp would make them from these: for comparing with appRoutes(). */
  withEdge(app: string, entries: Map<string, RouteEntry>): Map<string, RouteEntry> {
    if (!this.edges) return entries;
    return withEdge(app, entries, this.#edges.get(app) ?? NO_EDGE, this.edges.domain);
  }

  /**
   * Reads the app's edge (every app's when undefined) from the store again
   * and routes accordingly: after `paas domain add|rm`, `paas https` and
   * destroy, and in the control loop's full resync (another API process may
   * have changed them). Resolves once the router holds the table.
   */
  refreshEdges(app?: string): Promise<void> {
    const edges = this.edges;
    if (!edges) return Promise.resolve();
    // Read inside the chain, so the latest store state is what the last change applies.
    return this.#enqueue(async () => {
      const loaded = await edges.load(app);
      const apps = new Set<string>(app === undefined ? [...this.#edges.keys(), ...loaded.keys()] : [app]);
      if (app === undefined) this.#edges = loaded;
      else if (loaded.has(app)) this.#edges.set(app, loaded.get(app) ?? NO_EDGE);
      else this.#edges.delete(app);
      const next = new Map(this.#routes);
      for (const a of apps) this.#replaceApp(next, a, this.withEdge(a, this.appRoutes(a)));
      if (!sameTable(this.#routes, next)) await this.#put(next);
    });
  }

  /** Applies the changes and pushes the table; resolves once the router holds it. */
  update(change: (routes: Map<string, RouteEntry>) => void): Promise<void> {
    return this.#enqueue(async () => {
      const next = new Map(this.#routes);
      change(next);
      await this.#put(next);
    });
  }

  #replaceApp(routes: Map<string, RouteEntry>, app: string, entries: Map<string, RouteEntry>): void {
    for (const [host, entry] of routes) if (entry.app === app) routes.delete(host);
    for (const [host, entry] of entries) routes.set(host, entry);
  }

  // Changes run one after another on the latest table, so none is lost.
  #enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.#pushing.then(step);
    // Keep the chain alive after a failure so later updates still run in order.
    this.#pushing = run.catch(() => undefined);
    return run;
  }

  async #put(next: Map<string, RouteEntry>): Promise<void> {
    const version = this.#version + 1;
    try {
      await this.control.putTable({ version, routes: Object.fromEntries(next) });
    } catch (err) {
      // Stale: another writer moved the router on; continue from its version next time.
      const current = await this.control.getTable().catch(() => undefined);
      if (current) this.#version = Math.max(this.#version, current.version);
      throw err;
    }
    this.#version = version;
    this.#routes = next;
  }
}

function sameTable(a: Map<string, RouteEntry>, b: Map<string, RouteEntry>): boolean {
  if (a.size !== b.size) return false;
  for (const [host, entry] of b) if (JSON.stringify(a.get(host)) !== JSON.stringify(entry)) return false;
  return true;
}

/** `<app>.<domain>` for the app's first web service, `<service>.<app>.<domain>` for every web service. */
export function hostnamesFor(app: string, service: string, isFirstWeb: boolean, domain: string): string[] {
  const hosts = [`${service}.${app}.${domain}`];
  if (isFirstWeb) hosts.unshift(`${app}.${domain}`);
  return hosts;
}
