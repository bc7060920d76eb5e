import type { RouteEntry, RouteTable } from '@paas/core';
import type { RouterControl } from './router-client.js';

/**
 * The API's view of what the router should serve. Every change replaces the
 * router's whole table; versions come from the clock so that a restarted API
 * never sends a table older than the one the router kept.
 */
export class RouteTableManager {
  #routes = new Map<string, RouteEntry>();
  #version = 0;
  #pushing: Promise<void> = Promise.resolve();

  constructor(private readonly control: RouterControl) {}

  snapshot(): RouteTable {
    return { version: this.#version, routes: Object.fromEntries(this.#routes) };
  }

  /** Applies the changes and pushes the table; resolves once the router holds it. */
  async update(change: (routes: Map<string, RouteEntry>) => void): Promise<void> {
    // Changes run one after another on the latest table, so none is lost.
    const run = this.#pushing.then(async () => {
      const next = new Map(this.#routes);
      change(next);
      this.#version = Math.max(Date.now(), this.#version + 1);
      await this.control.putTable({ version: this.#version, routes: Object.fromEntries(next) });
      this.#routes = next;
    });
    // Keep the chain alive after a failure so later updates still run in order.
    this.#pushing = run.catch(() => undefined);
    return run;
  }

  removeApp(routes: Map<string, RouteEntry>, app: string): void {
    for (const [host, entry] of routes) if (entry.app === app) routes.delete(host);
  }
}

/** `<app>.<domain>` for the app's first web service, `<service>.<app>.<domain>` for every web service. */
export function hostnamesFor(app: string, service: string, isFirstWeb: boolean, domain: string): string[] {
  const hosts = [`${service}.${app}.${domain}`];
  if (isFirstWeb) hosts.unshift(`${app}.${domain}`);
  return hosts;
}
