import { setTimeout as sleep } from 'node:timers/promises';
import type { CodeService } from '@paas/core';
import { codeServices, type Deployer } from '../deploy/deployer.js';
import { targetId } from '../deploy/routes-for-app.js';
import type { AppLocks } from '../locks.js';
import { OOM_REASON } from '../operate/instance-info.js';
import type { RouteTableManager } from '../route-table.js';
import { formatSeconds } from '../runtime/format-seconds.js';
import type { InstanceState, RuntimeEvent } from '../runtime/types.js';
import type { ReleaseRow, Store } from '../store/types.js';
import { probeHttp } from './probe-http.js';

/** The shortest time between two out-of-memory lines of one instance. */
const OOM_LINE_EVERY_MS = 10_000;

export interface InstanceCheckerOptions {
  store: Pick<Store, 'getActiveRelease' | 'getScale'>;
  deployer: Deployer;
  routes: RouteTableManager;
  locks: AppLocks;
  /** PAAS_HEALTH_CHECKS: false probes nothing. */
  enabled: boolean;
  /** PAAS_HEALTH_FAILURES: consecutive failed probes that take an instance out. */
  failures: number;
  /**
   * PAAS_HEALTH_INTERVAL_MS: the shortest time between two probes of one instance. The spec's
   * interval (1 s by default) paces a deploy's wait; a running app need not answer a probe, and
   * log it, every second.
   */
  minIntervalMs?: number;
  log: (msg: string) => void;
  /** Writes a platform line into the instance's logs (`paas logs`). */
  note?: (instance: InstanceState, text: string) => Promise<void>;
  /** Asks the control loop for a pass of the app (an instance back in the router). */
  wake?: (app: string) => void;
  /** How often due probes are looked for; each service's own interval paces them. */
  tickMs?: number;
  /** How long after an out-of-memory kill the instance is looked at again, to tell a dead instance from a killed worker. */
  oomSettleMs?: number;
}

/** One routed instance being probed, or one taken out whose replacement is still owed. */
interface Watch {
  app: string;
  service: string;
  release: string;
  target: string;
  host: string;
  port: number;
  failures: number;
  lastError: string;
  nextAt: number;
  probing: boolean;
  /** Taken out of the router: the container id, kept in deployer.unhealthy. */
  out?: string;
}

/** A probe waits at most this long: an interval of 30 s does not make a hung instance cost 30 s a probe. */
const MAX_PROBE_MS = 5_000;
/** A replacement that failed is tried again after this long (or the service's health timeout, if longer). */
const RETRY_MS = 10_000;
/** The active release of an app is read again after this long. */
const RELEASE_TTL_MS = 2_000;

/**
 * Active health checks of running instances (docs/operating.md "Health
 * checks"). Every routed instance of the active release is probed on its
 * service's health path every `interval` seconds. After `failures`
 * consecutive failures it leaves the router at once and is replaced the way
 * `paas restart` replaces one: a fresh instance with the same number starts
 * and becomes healthy, the router swaps them, the old one is drained and
 * removed (its output kept for `paas logs`). Replacing rather than
 * restarting the container works with every runtime driver and reuses the
 * health-gated start every deploy uses.
 *
 * All of it runs under the app's lock as housekeeping: an app under a push,
 * scale, restart, rollback or drain is skipped (its counts start again),
 * and so are instances the deployer is starting or draining.
 */
export class InstanceChecker {
  readonly #watches = new Map<string, Watch>();
  readonly #busy = new Set<string>();
  readonly #releases = new Map<string, { release: ReleaseRow | null; at: number }>();
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #stopped = false;
  readonly #pending = new Set<Promise<unknown>>();
  /** Per instance: when its last out-of-memory line was written, and the kills not written since. */
  readonly #oomLines = new Map<string, { at: number; more: number }>();

  constructor(private readonly o: InstanceCheckerOptions) {}

  start(): void {
    if (!this.o.enabled || this.#timer) return;
    this.#stopped = false;
    this.#timer = setInterval(() => void this.tick(), this.o.tickMs ?? 250);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await Promise.allSettled([...this.#pending]);
  }

  /** Work started by the checker (probes, take-outs) until it is over: for tests. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** An engine event: the kill of an instance for memory gets a platform line. */
  onEvent(event: RuntimeEvent, now = Date.now()): void {
    if (event.action !== 'oom' || this.#stopped) return;
    // A leaking app under a worker-replacing server is killed for memory again and again: one line per
    // instance per OOM_LINE_EVERY_MS, the next one counting the kills in between.
    const quiet = this.#oomLines.get(event.id);
    if (quiet !== undefined && now - quiet.at < OOM_LINE_EVERY_MS) {
      quiet.more += 1;
      return;
    }
    const more = quiet?.more ?? 0;
    this.#oomLines.set(event.id, { at: now, more: 0 });
    if (this.#oomLines.size > 1000) this.#oomLines.delete(this.#oomLines.keys().next().value as string);
    this.#track(
      (async () => {
        const runtime = this.o.deployer.runtime;
        const instance = await runtime.inspectInstance(event.id);
        if (!instance || instance.service === '') return;
        const name = `${instance.service}.${instance.index}`;
        // The kernel kills the biggest process of the instance: its main process (the instance dies and the
        // engine restarts it), or one worker of a server such as gunicorn or paas's node cluster, which
        // starts another while the instance keeps running. A moment later the engine's state tells which.
        await sleep(this.o.oomSettleMs ?? 1_000);
        const after = await runtime.inspectInstance(event.id);
        const died = after === null || !after.running || after.restartCount > instance.restartCount || after.startedAt?.getTime() !== instance.startedAt?.getTime();
        const since = more === 0 ? '' : ` (${more} more kill${more === 1 ? '' : 's'} for memory since the last such line)`;
        const line = died
          ? `${name} was ${OOM_REASON}; the engine restarts it${since}`
          : `${name} went over its memory limit: the kernel killed one of its processes (a worker, which its server replaces); the instance kept running${since}`;
        this.o.log(`${instance.app}: ${line}`);
        await this.o.note?.(instance, line);
      })().catch((err: unknown) => this.o.log(`${event.app}: noting a kill for memory failed: ${(err as Error).message}`)),
    );
  }

  /** One look at the route table: new targets are watched, due probes run, owed replacements are tried. */
  async tick(now = Date.now()): Promise<void> {
    if (this.#ticking || this.#stopped || !this.o.enabled) return;
    this.#ticking = true;
    try {
      const routed = new Set<string>();
      for (const entry of Object.values(this.o.routes.snapshot().routes)) {
        for (const t of entry.targets) {
          if (routed.has(t.id)) continue;
          routed.add(t.id);
          const parsed = parseTarget(entry.app, entry.service, t.id);
          if (!parsed) continue;
          const w = this.#watches.get(t.id);
          if (w && !w.out && w.host === t.host && w.port === t.port) continue;
          if (w?.out) continue;
          this.#watches.set(t.id, {
            app: entry.app, service: entry.service, release: parsed.release, target: t.id, host: t.host, port: t.port,
            failures: 0, lastError: '', nextAt: now, probing: false,
          });
        }
      }
      for (const [id, w] of this.#watches) {
        if (w.out ? !this.o.deployer.unhealthy.has(w.out) : !routed.has(id)) this.#watches.delete(id);
      }
      for (const w of this.#watches.values()) {
        if (w.probing || w.nextAt > now || this.#busy.has(w.app)) continue;
        const service = await this.#service(w.app, w.service, w.release, now);
        if (!service) {
          // Of a release no longer active: the push that replaced it retires it.
          if (w.out) this.o.deployer.unhealthy.delete(w.out);
          if (w.out) this.#watches.delete(w.target);
          continue;
        }
        if (this.#inOperation(w.target)) continue;
        w.probing = true;
        this.#track(this.#probe(w, service).finally(() => (w.probing = false)));
      }
    } finally {
      this.#ticking = false;
    }
  }

  async #probe(w: Watch, service: CodeService): Promise<void> {
    const { path, timeout } = service.healthcheck;
    const everyMs = this.#everyMs(service);
    const timeoutMs = Math.min(everyMs, MAX_PROBE_MS, timeout * 1000);
    // Paced from each probe's start: a probe that times out does not stretch the interval.
    const startedAt = Date.now();
    const probe = await probeHttp(w.host, w.port, path, timeoutMs);
    if (this.#stopped) return;
    const healthy = 'status' in probe && probe.status < 500;
    if (w.out) {
      if (healthy) return this.#putBack(w);
      w.nextAt = Date.now() + Math.max(RETRY_MS, timeout * 1000);
      return this.#takeOut(w.app);
    }
    w.nextAt = startedAt + everyMs;
    if (healthy) {
      w.failures = 0;
      return;
    }
    w.failures++;
    w.lastError = 'status' in probe ? `answered ${probe.status}` : probe.error;
    // After this round's other probes of the app: instances failing together go out together.
    if (w.failures >= this.o.failures) this.#track(this.#afterProbes(w).then(() => this.#takeOut(w.app)));
  }

  async #afterProbes(self: Watch): Promise<void> {
    const until = Date.now() + MAX_PROBE_MS + 1_000;
    const busy = (): boolean => [...this.#watches.values()].some((w) => w !== self && w.app === self.app && w.probing);
    while (busy() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  /** A taken-out instance whose replacement failed answers again: the control loop routes it again. */
  #putBack(w: Watch): void {
    if (w.out) this.o.deployer.unhealthy.delete(w.out);
    this.#watches.delete(w.target);
    this.o.log(`${w.app}: ${w.service}.${instanceIndex(w.target)} answers its health path again: back in the router`);
    this.o.wake?.(w.app);
  }

  /** Takes the app's failing instances out of the router and replaces them, under its lock. */
  async #takeOut(app: string): Promise<void> {
    if (this.#busy.has(app)) return;
    this.#busy.add(app);
    const retire: InstanceState[] = [];
    try {
      const done = await this.o.locks.housekeep(app, async () => {
        const release = await this.o.store.getActiveRelease(app);
        this.#releases.set(app, { release, at: Date.now() });
        if (!release) return;
        const instances = await this.o.deployer.runtime.listInstances({ app });
        for (const service of codeServices(release)) {
          const owed = [...this.#watches.values()].filter(
            (w) => w.app === app && w.service === service.name && w.release === release.id && (w.out !== undefined || w.failures >= this.o.failures),
          );
          if (owed.length === 0) continue;
          const byTarget = new Map(owed.map((w) => [w.target, w]));
          const bad = instances.filter((i) => i.running && byTarget.has(targetId(app, i)) && !this.#inOperation(targetId(app, i)));
          if (bad.length === 0) continue;
          retire.push(...(await this.#replace(release, service, bad, byTarget)));
        }
      });
      if (!done) {
        // An operation holds the app: it changes what runs anyway; counting starts again after it.
        for (const w of this.#watches.values()) if (w.app === app && !w.out) w.failures = 0;
      }
    } catch (err) {
      this.o.log(`${app}: health check take-out failed: ${(err as Error).message}`);
    } finally {
      this.#busy.delete(app);
    }
    if (retire.length > 0) {
      // Drained outside the lock, as after a push: the app is served by its new instances already.
      this.#track(
        this.o.deployer.retire(app, retire).finally(() => {
          for (const i of retire) this.o.deployer.unhealthy.delete(i.id);
        }),
      );
    }
  }

  /** Out of the router at once, then a fresh instance for each; returns the old ones to retire. */
  async #replace(release: ReleaseRow, service: CodeService, bad: InstanceState[], byTarget: Map<string, Watch>): Promise<InstanceState[]> {
    const { deployer, routes } = this.o;
    const app = release.app;
    const { path } = service.healthcheck;
    const everyMs = this.#everyMs(service);
    const ids = new Set(bad.map((i) => targetId(app, i)));
    const fresh = bad.filter((i) => !deployer.unhealthy.has(i.id));
    for (const i of fresh) {
      deployer.unhealthy.set(i.id, `stopped answering ${path} (${this.o.failures} checks)`);
      // Marked out before anything can fail: a later good probe puts it back, a bad one tries again.
      const w = byTarget.get(targetId(app, i));
      if (w) w.out = i.id;
    }
    await routes.update((table) => {
      for (const [host, entry] of table) {
        if (entry.app === app && entry.service === service.name) table.set(host, { ...entry, targets: entry.targets.filter((t) => !ids.has(t.id)) });
      }
    });
    const left = new Set([...routes.appRoutes(app).values()].filter((e) => e.service === service.name).flatMap((e) => e.targets.map((t) => t.id))).size;
    for (const i of fresh) {
      const w = byTarget.get(targetId(app, i));
      const name = `${i.service}.${i.index}`;
      const why = w?.lastError ? ` (last: ${w.lastError})` : '';
      this.o.log(`${app}: ${name} stopped answering ${path} after ${this.o.failures} checks ${formatSeconds(everyMs)} apart${why}: out of the router, restarting`);
      await this.o.note?.(i, `${name} stopped answering ${path} after ${this.o.failures} checks ${formatSeconds(everyMs)} apart: out of the router, restarting`)
        .catch((err: unknown) => this.o.log(`${app}: writing the platform line of ${name} failed: ${(err as Error).message}`));
    }
    if (left === 0 && fresh.length > 0) {
      const message = `every instance of ${service.name} stopped answering ${path}: none is in the router until they are restarted`;
      this.o.log(`${app}: ${message}`);
    }
    const scale = await this.o.store.getScale(app);
    const want = scale[service.name] ?? service.instances;
    try {
      const c = await deployer.convergeService(release, service, want, { replace: new Set(bad.map((i) => i.id)) });
      await deployer.switchRoutes(release, new Map([[service.name, [...c.kept, ...c.started]]]));
      for (const i of c.started) this.o.log(`${app}: ${i.service}.${i.index} restarted (a fresh instance answers ${path})`);
      for (const id of ids) this.#watches.delete(id);
      return c.retire;
    } catch (err) {
      const names = bad.map((i) => `${i.service}.${i.index}`).join(', ');
      this.o.log(`${app}: ${names} could not be restarted: ${(err as Error).message}; trying again`);
      for (const i of bad) {
        deployer.unhealthy.set(i.id, `stopped answering ${path} (${this.o.failures} checks); restarting failed`);
      }
      return [];
    }
  }

  /** How often an instance of the service is probed. */
  #everyMs(service: CodeService): number {
    return Math.max(service.healthcheck.interval * 1000, this.o.minIntervalMs ?? 0);
  }

  /** The service's spec when the target belongs to the app's active release; undefined otherwise. */
  async #service(app: string, name: string, release: string, now: number): Promise<CodeService | undefined> {
    let cached = this.#releases.get(app);
    if (!cached || now - cached.at > RELEASE_TTL_MS) {
      const active = await this.o.store.getActiveRelease(app).catch(() => null);
      cached = { release: active, at: now };
      this.#releases.set(app, cached);
    }
    if (cached.release?.id !== release) return undefined;
    return codeServices(cached.release).find((s) => s.name === name);
  }

  /** Whether the deployer is starting or draining the instance of this target (its id ends with the container id's first 12 characters). */
  #inOperation(target: string): boolean {
    const short = target.slice(target.lastIndexOf('.') + 1);
    const { starting, draining } = this.o.deployer;
    for (const id of starting) if (id.startsWith(short)) return true;
    for (const id of draining) if (id.startsWith(short)) return true;
    return false;
  }

  #track(p: Promise<unknown>): void {
    const settled = p.catch(() => undefined);
    this.#pending.add(settled);
    void settled.finally(() => this.#pending.delete(settled));
  }
}

/** `<app>.<service>.<release>.<index>.<id>` (targetId) → its release. */
function parseTarget(app: string, service: string, target: string): { release: string } | undefined {
  const prefix = `${app}.${service}.`;
  if (!target.startsWith(prefix)) return undefined;
  const [release] = target.slice(prefix.length).split('.');
  return release ? { release } : undefined;
}

function instanceIndex(target: string): string {
  const parts = target.split('.');
  return parts[parts.length - 2] ?? '?';
}
