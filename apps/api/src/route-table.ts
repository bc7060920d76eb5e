import type { RouteEntry, RouteTable } from '@paas/core';
import type { RouterControl } from './router-client.js';

/**
 * The API's view of what the router should serve. Every change replaces the
 * router's whole table. Versions continue from the router's own (read at
 * start), so a restarted API never sends a table the router calls stale; a
 * table the router refuses as stale is an error, and the next change
 * continues from the router's version again.
 */
export class RouteTableManager {
  #routes = new Map<string, RouteEntry>();
  #version = 0;
  #pushing: Promise<void> = Promise.resolve();

  constructor(private readonly control: RouterControl) {}

  /** Reads the router's table: its version, and its routes as the starting point. */
  async init(): Promise<void> {
    const table = await this.control.getTable();
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

  /** Replaces every route of the app with these (none: the app is no longer routed). */
  setApp(app: string, entries: Map<string, RouteEntry>): Promise<void> {
    return this.update((routes) => {
      for (const [host, entry] of routes) if (entry.app === app) routes.delete(host);
      for (const [host, entry] of entries) routes.set(host, entry);
    });
  }

  /** Applies the changes and pushes the table; resolves once the router holds it. */
  async update(change: (routes: Map<string, RouteEntry>) => void): Promise<void> {
    // Changes run one after another on the latest table, so none is lost.
    const run = this.#pushing.then(async () => {
      const next = new Map(this.#routes);
      change(next);
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
    });
    // Keep the chain alive after a failure so later updates still run in order.
    this.#pushing = run.catch(() => undefined);
    return run;
  }
}

/** `<app>.<domain>` for the app's first web service, `<service>.<app>.<domain>` for every web service. */
export function hostnamesFor(app: string, service: string, isFirstWeb: boolean, domain: string): string[] {
  const hosts = [`${service}.${app}.${domain}`];
  if (isFirstWeb) hosts.unshift(`${app}.${domain}`);
  return hosts;
}
