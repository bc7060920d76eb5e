import type { RouteTable } from '@paas/core';
import type { PoolOptions } from './target.js';
import { Target } from './target.js';

/** What one host resolves to while serving: live Target objects plus a round-robin cursor. */
export interface Route {
  readonly host: string;
  readonly app: string;
  readonly targets: Target[];
  cursor: number;
  /** Plain-HTTP requests get a 308 to https://. */
  readonly httpsRedirect: boolean;
  /** The Strict-Transport-Security value for HTTPS answers, or null. */
  readonly hsts: string | null;
  /** The service's own limit (ms) for a response's headers, or null for the router's default. */
  readonly timeoutMs: number | null;
}

/**
 * The live routing state. A new table is compiled into a fresh Map and then
 * swapped in with one assignment, so a request sees either the old table or
 * the new one, never a mix. Targets keep their identity (pool, counters)
 * across tables as long as their id and address stay the same.
 */
export class Routes {
  #map = new Map<string, Route>();
  /** `*.example.com` routes, keyed by `example.com`. */
  #wild = new Map<string, Route>();
  #targets = new Map<string, Target>();
  /** Targets no table routes to, kept until their last request ends (drain counts them). */
  #retiring = new Set<Target>();
  #table: RouteTable;
  readonly #options: PoolOptions;

  constructor(table: RouteTable, options: PoolOptions) {
    this.#options = options;
    this.#table = table;
    this.replace(table);
  }

  get table(): RouteTable {
    return this.#table;
  }

  /** Exact name first; else the wildcard for its parent (one label only). */
  lookup(host: string): Route | undefined {
    const exact = this.#map.get(host);
    if (exact !== undefined || this.#wild.size === 0) return exact;
    const dot = host.indexOf('.');
    // `*` is no label: a client sending `Host: *.example.com` matches nothing.
    return dot <= 0 || host.charCodeAt(0) === 42 /* * */ ? undefined : this.#wild.get(host.slice(dot + 1));
  }

  /** Installs a checked table. Version ordering is the caller's job. */
  replace(table: RouteTable): void {
    const targets = new Map<string, Target>();
    const map = new Map<string, Route>();
    const wild = new Map<string, Route>();
    for (const [host, entry] of Object.entries(table.routes)) {
      const list: Target[] = [];
      for (const t of entry.targets) {
        let target = targets.get(t.id);
        if (target === undefined || !target.sameAddress(t)) {
          const old = this.#targets.get(t.id);
          if (old !== undefined && old.sameAddress(t)) {
            target = old;
            target.revive();
            this.#retiring.delete(target);
          } else {
            target = new Target(t, this.#options);
          }
          targets.set(t.id, target);
        }
        list.push(target);
      }
      const route: Route = {
        host,
        app: entry.app,
        targets: list,
        cursor: 0,
        httpsRedirect: entry.httpsRedirect === true,
        hsts: entry.hstsMaxAge === undefined ? null : `max-age=${entry.hstsMaxAge}`,
        timeoutMs: entry.timeoutMs ?? null,
      };
      // Wildcards live apart from exact names: one lookup each, exact first.
      if (host.startsWith('*.')) wild.set(host.slice(2), route);
      else map.set(host, route);
    }
    const previous = this.#targets;
    this.#map = map;
    this.#wild = wild;
    this.#targets = targets;
    this.#table = table;
    for (const [id, old] of previous) {
      if (targets.get(id) !== old) {
        old.retire();
        if (old.inflight > 0) this.#retiring.add(old);
      }
    }
    this.#sweep();
  }

  /** Requests and WebSockets in flight to these target ids, including retired ones. */
  inflight(ids: ReadonlySet<string>): number {
    let n = 0;
    for (const id of ids) n += this.#targets.get(id)?.inflight ?? 0;
    for (const t of this.#retiring) if (ids.has(t.id)) n += t.inflight;
    this.#sweep();
    return n;
  }

  #sweep(): void {
    for (const t of this.#retiring) if (t.inflight === 0) this.#retiring.delete(t);
  }

  async destroy(): Promise<void> {
    const all = [...this.#targets.values(), ...this.#retiring];
    this.#targets.clear();
    this.#retiring.clear();
    await Promise.all(all.map((t) => t.destroy()));
  }
}
