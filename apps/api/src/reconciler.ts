import type { RouteEntry } from '@paas/core';
import { codeServices, type Deployer } from './deploy/deployer.js';
import { routesForApp } from './deploy/routes-for-app.js';
import type { AppLocks } from './locks.js';
import type { RouteTableManager } from './route-table.js';
import type { InstanceState, Runtime, RuntimeEvent } from './runtime/types.js';
import type { Store } from './store/types.js';

export interface ReconcilerOptions {
  store: Store;
  runtime: Runtime;
  deployer: Deployer;
  locks: AppLocks;
  routes: RouteTableManager;
  resyncIntervalMs: number;
  log: (msg: string) => void;
  /** Brings back the app's data services whose containers stopped or vanished; returns their names. */
  reviveDataServices?: (app: string) => Promise<string[]>;
  /** How long a pass for an app under lock waits before it is tried again. */
  retryMs?: number;
  /** Hears every engine event the loop follows (the health checker reports instances killed for memory). */
  onEvent?: (event: RuntimeEvent) => void;
}

/**
 * The one control loop (architecture.md, style.md 13). Level-triggered:
 * engine events only wake it for an app, a slow full resync is the safety
 * net, and every pass reads desired state (active release × scale) and what
 * runs afresh, then converges through the Deployer. It owns the route table
 * between operations and never touches an app whose lock is held: such a
 * pass is tried again later.
 */
export class Reconciler {
  readonly #pending = new Set<string>();
  readonly #full = new Set<string>();
  #running: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #resync: NodeJS.Timeout | undefined;
  readonly #abort = new AbortController();
  #stopped = false;

  constructor(private readonly o: ReconcilerOptions) {}

  /**
   * At start: interrupted pushes are marked failed, the route table's
   * version is read from the router, every app gets a full pass (its scale
   * back, strays removed, routes from what runs), and the loop starts
   * following the engine.
   */
  async start(): Promise<void> {
    const failed = await this.o.store.failInterrupted();
    if (failed.builds + failed.releases > 0) this.o.log(`marked ${failed.builds} interrupted build(s) and ${failed.releases} release(s) failed`);
    await this.o.routes.init();
    await this.resyncAll();
    void this.#follow();
    this.#resync = setInterval(() => void this.resyncAll().catch((err: unknown) => this.o.log(`resync failed: ${(err as Error).message}`)), this.o.resyncIntervalMs);
    this.#resync.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#resync) clearInterval(this.#resync);
    await this.#running;
  }

  /** Asks for a pass of the app soon (events, or an operation that just released its lock). */
  wake(app: string, full = false): void {
    if (this.#stopped || app === '') return;
    this.#pending.add(app);
    if (full) this.#full.add(app);
    this.#schedule(20);
  }

  /** A full pass of every app, and no routes for apps that are gone. */
  async resyncAll(): Promise<void> {
    // Domains and HTTPS switches another API process may have changed.
    await this.o.routes.refreshEdges();
    const apps = await this.o.store.listApps();
    const names = new Set(apps.map((a) => a.name));
    const orphans = new Set(Object.values(this.o.routes.snapshot().routes).map((e) => e.app).filter((a) => !names.has(a)));
    for (const app of orphans) await this.o.routes.setApp(app, new Map());
    for (const app of apps) await this.passApp(app.name, true);
  }

  #schedule(delayMs: number): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#running) return this.#schedule(delayMs);
      this.#running = this.#drain().finally(() => {
        this.#running = undefined;
      });
    }, delayMs);
  }

  async #drain(): Promise<void> {
    const apps = [...this.#pending];
    this.#pending.clear();
    let retry = false;
    for (const app of apps) {
      const full = this.#full.delete(app);
      const done = await this.passApp(app, full).catch((err: unknown) => {
        this.o.log(`${app}: reconcile failed: ${(err as Error).message}`);
        return false;
      });
      if (!done) {
        this.#pending.add(app);
        if (full) this.#full.add(app);
        retry = true;
      }
    }
    if (retry) this.#schedule(this.o.retryMs ?? 1_000);
  }

  /**
   * One pass for one app, under its lock. Returns false when the lock was
   * held (the pass is tried again later). `full` also removes instances of
   * releases that are not active (strays of a crash).
   */
  async passApp(app: string, full: boolean): Promise<boolean> {
    // Housekeeping: a user's operation that arrives meanwhile waits for the pass instead of failing.
    return this.o.locks.housekeep(app, () => this.#converge(app, full));
  }

  async #converge(app: string, full: boolean): Promise<void> {
    const { store, deployer, routes } = this.o;
    // Data first: instances that start below connect to them. A `docker kill` is
    // a manual stop to the engine, whose restart policy then leaves it down.
    const revived = await this.o.reviveDataServices?.(app).catch((err: unknown) => {
      this.o.log(`${app}: data services could not be checked: ${(err as Error).message}`);
      return [];
    });
    if (revived && revived.length > 0) this.o.log(`${app}: started data service(s) ${revived.join(', ')} again`);
    const active = await store.getActiveRelease(app);
    if (!active) {
      if (routes.appRoutes(app).size > 0) await routes.setApp(app, new Map());
      if (full) await deployer.retire(app, (await this.o.runtime.listInstances({ app })).filter((i) => !deployer.draining.has(i.id)));
      return;
    }
    const scale = await store.getScale(app);
    const byService = new Map<string, InstanceState[]>();
    const retire: InstanceState[] = [];
    for (const service of codeServices(active)) {
      const want = scale[service.name] ?? service.instances;
      try {
        const c = await deployer.convergeService(active, service, want);
        if (c.started.length > 0) this.o.log(`${app}: started ${c.started.length} instance(s) of ${service.name} to restore its scale of ${want}`);
        byService.set(service.name, [...c.kept, ...c.started]);
        retire.push(...c.retire.filter((i) => full || i.release === active.id));
      } catch (err) {
        this.o.log(`${app}: ${service.name} could not be brought to ${want}: ${(err as Error).message}`);
        const kept = (await this.o.runtime.listInstances({ app, service: service.name })).filter((i) => i.release === active.id);
        byService.set(service.name, kept);
      }
    }
    // Instances the health checker took out stay out until it puts them back.
    const fresh = routes.withEdge(app, routesForApp(app, codeServices(active), deployer.routable(byService), this.o.deployer.opts.domain));
    if (!sameRoutes(routes.appRoutes(app), fresh)) await routes.setApp(app, fresh);
    if (full) {
      // Instances of services the active release no longer has.
      const services = new Set(codeServices(active).map((s) => s.name));
      retire.push(...(await this.o.runtime.listInstances({ app })).filter((i) => !services.has(i.service) && !deployer.draining.has(i.id)));
    }
    if (retire.length > 0) {
      this.o.log(`${app}: removing ${retire.length} instance(s) no longer wanted`);
      await deployer.retire(app, retire);
    }
  }

  async #follow(): Promise<void> {
    while (!this.#stopped) {
      try {
        for await (const event of this.o.runtime.events(this.#abort.signal)) {
          this.wake(event.app);
          this.o.onEvent?.(event);
        }
      } catch (err) {
        if (this.#stopped) return;
        this.o.log(`engine events stopped (${(err as Error).message}); following again`);
      }
      if (this.#stopped) return;
      await new Promise((r) => setTimeout(r, 1_000));
      // Events may have been missed while the stream was down (an engine restart).
      await this.resyncAll().catch(() => undefined);
    }
  }
}

function sameRoutes(a: Map<string, RouteEntry>, b: Map<string, RouteEntry>): boolean {
  if (a.size !== b.size) return false;
  for (const [host, entry] of b) {
    const other = a.get(host);
    if (!other || other.service !== entry.service || JSON.stringify(other.targets) !== JSON.stringify(entry.targets)) return false;
    if (other.httpsRedirect !== entry.httpsRedirect || other.hstsMaxAge !== entry.hstsMaxAge) return false;
  }
  return true;
}
