import { PaasError, type CodeService, type PushEvent } from '@paas/core';
import type { RouteTableManager } from '../route-table.js';
import type { RouterControl } from '../router-client.js';
import type { InstanceLimits, InstanceState, Runtime } from '../runtime/types.js';
import type { ReleaseRow, Store } from '../store/types.js';
import { InstanceFailure, startHealthyInstance } from './instance-start.js';
import { serviceLimits } from './limits.js';
import { routesForApp, targetId } from './routes-for-app.js';

export type Emit = (event: PushEvent) => void;

export interface DeployerOptions {
  store: Store;
  runtime: Runtime;
  routes: RouteTableManager;
  router: RouterControl;
  domain: string;
  labels: Record<string, string>;
  /** Defaults of every instance; a service's config can lower or raise cpus and memory. */
  limits: Required<Pick<InstanceLimits, 'memoryBytes' | 'cpus' | 'pids'>>;
  workerAliveMs: number;
  drainTimeoutMs: number;
  stopGraceMs: number;
  /** The variables of the app's data services that instances of a release get (the provisioner's). */
  serviceEnv?: (app: string, spec: ReleaseRow['spec']) => Promise<Record<string, string>>;
  /** Keeps a retired instance's output (paas logs shows it after the instance is gone). */
  keepLogs?: (instance: InstanceState) => Promise<void>;
  log?: (msg: string) => void;
}

export function codeServices(release: ReleaseRow): CodeService[] {
  return Object.values(release.spec.services).filter((s): s is CodeService => s.kind === 'code');
}

/** Error raised by a deploy, with the failing instance's last log lines. */
export class DeployError extends Error {
  constructor(
    readonly error: PaasError,
    readonly logs: string[],
  ) {
    super(error.message);
    this.name = 'DeployError';
  }
}

/** What converging one service found and did; the caller switches routes, then retires. */
export interface Convergence {
  service: CodeService;
  /** Instances of the release that stay (running or being restarted by the engine). */
  kept: InstanceState[];
  /** New instances, all healthy. */
  started: InstanceState[];
  /** Instances to drain and remove once the routes no longer name them. */
  retire: InstanceState[];
}

export interface ConvergeOptions {
  /** Instances to replace even though they belong to the release (restart). */
  replace?: ReadonlySet<string>;
  emit?: Emit;
  /** Start at most this many at once (restart rolls one by one). */
  parallel?: number;
  /** Nodes the new instances must not be placed on (`paas nodes drain`). */
  avoidNodes?: string[];
}

/**
 * The one place that changes what runs (architecture.md "Scheduler"): push,
 * scale, restart and the control loop all go through convergeService(),
 * then switch routes, then retire. Every caller holds the app's lock.
 * Built once in server.ts.
 */
export class Deployer {
  /** Instances started but not yet healthy, and old ones being drained: `paas ps` shows them so. */
  readonly starting = new Set<string>();
  readonly draining = new Set<string>();
  /**
   * Running instances the health checker took out of the router, and why
   * (health/instance-checker.ts): no route names them until it says so.
   */
  readonly unhealthy = new Map<string, string>();

  constructor(readonly opts: DeployerOptions) {}

  /** The instances the router may send to: all but those the health checker took out. */
  routable(byService: Map<string, InstanceState[]>): Map<string, InstanceState[]> {
    return new Map([...byService].map(([service, list]) => [service, list.filter((i) => !this.unhealthy.has(i.id))]));
  }

  get runtime(): Runtime {
    return this.opts.runtime;
  }

  /**
   * Brings one service of a release to `want` healthy instances, numbered
   * 1..want: keeps what runs, starts what is missing (health-gated, all at
   * once or `parallel` at a time) and lists what is left over. Changes no
   * route and removes nothing that serves; on failure, removes what it
   * started and throws DeployError.
   */
  async convergeService(release: ReleaseRow, service: CodeService, want: number, opts: ConvergeOptions = {}): Promise<Convergence> {
    const app = release.app;
    const current = (await this.runtime.listInstances({ app, service: service.name })).filter((i) => !this.draining.has(i.id));
    const candidates = current
      .filter((i) => i.release === release.id && (i.running || i.restarting) && !opts.replace?.has(i.id) && i.index >= 1 && i.index <= want)
      .sort((a, b) => a.index - b.index || Number(b.running) - Number(a.running));
    const kept: InstanceState[] = [];
    const seen = new Set<number>();
    for (const i of candidates) {
      if (seen.has(i.index)) continue; // a duplicate index (an interrupted restart): the extra one goes
      seen.add(i.index);
      kept.push(i);
    }
    const keptIds = new Set(kept.map((i) => i.id));
    const retire = current.filter((i) => !keptIds.has(i.id));
    const missing: number[] = [];
    for (let index = 1; index <= want; index++) if (!seen.has(index)) missing.push(index);
    const started = await this.startInstances(release, service, missing, opts.emit, opts.parallel, opts.avoidNodes);
    return { service, kept, started, retire };
  }

  /** Health-gated start of instances at these indexes; all or nothing. */
  async startInstances(release: ReleaseRow, service: CodeService, indexes: number[], emit?: Emit, parallel = indexes.length, avoidNodes?: string[]): Promise<InstanceState[]> {
    const image = release.images[service.name];
    if (indexes.length > 0 && image === undefined) {
      throw new DeployError(new PaasError('DEPLOY_FAILED', `release ${release.id} has no image for ${service.name}`), []);
    }
    const started: InstanceState[] = [];
    const created: InstanceState[] = [];
    const serviceEnv = indexes.length > 0 && this.opts.serviceEnv ? await this.opts.serviceEnv(release.app, release.spec) : {};
    const startOne = async (index: number): Promise<void> => {
      const state = await startHealthyInstance({
        runtime: this.runtime,
        app: release.app,
        service,
        release: release.id,
        index,
        image: image as string,
        appEnv: release.env,
        serviceEnv,
        limits: serviceLimits(service, this.opts.limits),
        labels: this.opts.labels,
        workerAliveMs: this.opts.workerAliveMs,
        ...(avoidNodes?.length ? { avoidNodes } : {}),
        onCreated: (s) => {
          created.push(s);
          this.starting.add(s.id);
        },
        ...(emit ? { onState: (instance: string, st: 'starting' | 'running' | 'healthy' | 'failed') => emit({ type: 'deploy.instance', service: service.name, instance, state: st }) } : {}),
      });
      started.push(state);
    };
    try {
      const queue = [...indexes];
      const failures: unknown[] = [];
      const worker = async (): Promise<void> => {
        for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
          if (failures.length > 0) return;
          await startOne(index).catch((err: unknown) => void failures.push(err));
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, indexes.length)) }, worker));
      if (failures.length > 0) throw failures[0];
      return started;
    } catch (err) {
      await Promise.all(started.map((s) => this.runtime.stopInstance(s.id, 1_000).catch(() => undefined)));
      throw toDeployError(err);
    } finally {
      for (const s of created) this.starting.delete(s.id);
    }
  }

  /**
   * Replaces the router's targets of the given services at once; the app's
   * other services keep theirs.
   */
  async switchRoutes(release: ReleaseRow, byService: Map<string, InstanceState[]>): Promise<void> {
    const app = release.app;
    const fresh = routesForApp(app, codeServices(release), this.routable(byService), this.opts.domain);
    const current = this.opts.routes.appRoutes(app);
    for (const [host, entry] of fresh) {
      if (byService.has(entry.service)) continue;
      const old = current.get(host);
      if (old) fresh.set(host, old);
    }
    await this.opts.routes.setApp(app, fresh);
  }

  /**
   * Drains and removes instances no route names any more: in-flight
   * requests finish, then SIGTERM, then SIGKILL after the grace period.
   * Their output is kept for `paas logs`.
   */
  async retire(app: string, instances: InstanceState[]): Promise<void> {
    const fresh = instances.filter((i) => !this.draining.has(i.id));
    if (fresh.length === 0) return;
    for (const i of fresh) this.draining.add(i.id);
    try {
      await this.opts.router.drain(fresh.map((i) => targetId(app, i)), this.opts.drainTimeoutMs).catch(() => undefined);
      await Promise.all(
        fresh.map(async (i) => {
          await this.runtime.haltInstance(i.id, this.opts.stopGraceMs).catch(() => undefined);
          await this.opts.keepLogs?.(i).catch(() => undefined);
          await this.runtime.removeInstance(i.id).catch(() => undefined);
        }),
      );
    } finally {
      for (const i of fresh) this.draining.delete(i.id);
    }
  }

  /**
   * Health-gated switch of a new release (style.md 2): every new instance
   * of every code service starts and becomes healthy; only then the router's
   * targets of the whole app are replaced at once and the release becomes
   * active. Returns the old instances, which the caller retires (in the
   * background: the push is live already). If anything fails, the new
   * instances are removed and what serves traffic is what served before.
   */
  async deploy(release: ReleaseRow, emit: Emit): Promise<InstanceState[]> {
    const { store } = this.opts;
    const app = release.app;
    const counts = await this.desiredCounts(release, emit);
    await this.runtime.ensureNetwork(app);
    const started: InstanceState[] = [];
    const byService = new Map<string, InstanceState[]>();
    let old: InstanceState[] = [];
    const previousRoutes = this.opts.routes.appRoutes(app);
    let switched = false;
    try {
      for (const service of codeServices(release)) {
        const count = counts.get(service.name) ?? 0;
        emit({ type: 'deploy.step', service: service.name, step: `Deploying ${service.name} (${plural(count, 'instance')})` });
        const c = await this.convergeService(release, service, count, { emit });
        started.push(...c.started);
        byService.set(service.name, [...c.kept, ...c.started]);
      }
      old = (await this.runtime.listInstances({ app })).filter((i) => i.release !== release.id);
      await this.switchRoutes(release, byService);
      switched = true;
      await store.activateRelease(app, release.id);
    } catch (err) {
      if (switched) {
        // The router moved but the store did not: move the router back, so one release serves and one is active.
        await this.opts.routes.setApp(app, previousRoutes).catch((e: unknown) => this.opts.log?.(`${app}: restoring routes failed: ${(e as Error).message}`));
      }
      await Promise.all(started.map((s) => this.runtime.stopInstance(s.id, 1_000).catch(() => undefined)));
      await store.failRelease(app, release.id).catch(() => undefined);
      throw toDeployError(err);
    }
    for (const service of codeServices(release)) {
      emit({ type: 'deploy.switch', service: service.name, release: release.id, targets: byService.get(service.name)?.length ?? 0 });
    }
    return old;
  }

  /**
   * How many instances each service of a new release runs: the scale set by
   * `paas scale`, unless the spec's `instances:` changed since the active
   * release, in which case the spec wins and the push says so.
   */
  private async desiredCounts(release: ReleaseRow, emit: Emit): Promise<Map<string, number>> {
    const { store } = this.opts;
    const scale = await store.getScale(release.app);
    const active = await store.getActiveRelease(release.app);
    const out = new Map<string, number>();
    for (const service of codeServices(release)) {
      const stored = scale[service.name];
      const before = active?.spec.services[service.name];
      const specBefore = before?.kind === 'code' ? before.instances : undefined;
      let count = stored ?? service.instances;
      if (stored !== undefined && specBefore !== undefined && specBefore !== service.instances && stored !== service.instances) {
        count = service.instances;
        emit({ type: 'log', service: service.name, line: `instances of ${service.name} changed in the spec (${specBefore} → ${service.instances}): scaling to ${count}` });
      }
      if (stored !== count) await store.setScale(release.app, service.name, count);
      out.set(service.name, count);
    }
    return out;
  }
}

export function toDeployError(err: unknown): DeployError {
  if (err instanceof DeployError) return err;
  if (err instanceof InstanceFailure) {
    const reason = err.reason instanceof PaasError ? err.reason : new PaasError('DEPLOY_FAILED', err.message);
    return new DeployError(reason, err.logs);
  }
  return new DeployError(
    err instanceof PaasError ? err : new PaasError('DEPLOY_FAILED', String((err as Error)?.message ?? err), { cause: err }),
    [],
  );
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
