import { PaasError, type CodeService, type PushEvent } from '@paas/core';
import type { RouteTableManager } from '../route-table.js';
import type { RouterControl } from '../router-client.js';
import type { InstanceState, Runtime } from '../runtime/types.js';
import type { ReleaseRow, Store } from '../store/types.js';
import { InstanceFailure, startHealthyInstance } from './instance-start.js';
import { routesForApp, targetId } from './routes-for-app.js';

export interface DeployDeps {
  store: Store;
  runtime: Runtime;
  routes: RouteTableManager;
  router: RouterControl;
  domain: string;
  labels: Record<string, string>;
  instanceMemoryBytes: number;
  workerAliveMs: number;
  drainTimeoutMs: number;
  stopGraceMs: number;
}

export type Emit = (event: PushEvent) => void;

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

/**
 * Health-gated switch (style.md 2): start every new instance of every code
 * service and wait until each is healthy; only then replace the router's
 * targets, mark the release active, drain and remove the old instances.
 * If anything fails before the switch, the new instances are removed and
 * nothing that serves traffic has changed.
 */
export async function deployRelease(deps: DeployDeps, release: ReleaseRow, emit: Emit): Promise<void> {
  const { store, runtime } = deps;
  const app = release.app;
  const scale = await store.getScale(app);
  await runtime.ensureNetwork(app);

  const started: InstanceState[] = [];
  const byService = new Map<string, InstanceState[]>();
  try {
    for (const service of codeServices(release)) {
      let count = scale[service.name];
      if (count === undefined) {
        count = service.instances;
        await store.setScale(app, service.name, count);
      }
      emit({ type: 'deploy.step', service: service.name, step: `Deploying ${service.name} (${plural(count, 'instance')})` });
      const image = release.images[service.name];
      if (image === undefined) throw new PaasError('DEPLOY_FAILED', `release ${release.id} has no image for ${service.name}`);
      const results = await Promise.allSettled(
        Array.from({ length: count }, (_, i) =>
          startHealthyInstance({
            runtime,
            app,
            service,
            release: release.id,
            index: i + 1,
            image,
            appEnv: release.env,
            memoryBytes: deps.instanceMemoryBytes,
            labels: deps.labels,
            workerAliveMs: deps.workerAliveMs,
            onState: (instance, state) => emit({ type: 'deploy.instance', service: service.name, instance, state }),
          }).then((s) => {
            started.push(s);
            return s;
          }),
        ),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      byService.set(service.name, results.map((r) => (r as PromiseFulfilledResult<InstanceState>).value));
    }

    await deps.routes.update((routes) => {
      deps.routes.removeApp(routes, app);
      for (const [host, entry] of routesForApp(app, codeServices(release), byService, deps.domain)) routes.set(host, entry);
    });
  } catch (err) {
    await Promise.all(started.map((s) => runtime.stopInstance(s.id, 1_000).catch(() => undefined)));
    await store.failRelease(app, release.id);
    if (err instanceof InstanceFailure) {
      const reason = err.reason instanceof PaasError ? err.reason : new PaasError('DEPLOY_FAILED', err.message);
      throw new DeployError(reason, err.logs);
    }
    throw new DeployError(err instanceof PaasError ? err : new PaasError('DEPLOY_FAILED', String((err as Error)?.message ?? err), { cause: err }), []);
  }

  await store.activateRelease(app, release.id);
  for (const service of codeServices(release)) {
    const targets = byService.get(service.name) ?? [];
    emit({ type: 'deploy.switch', service: service.name, release: release.id, targets: targets.length });
  }
}

/** Drains and removes every instance of the app that is not in the given release. */
export async function retireOthers(deps: DeployDeps, app: string, keepRelease: string, emit?: Emit): Promise<number> {
  const old = (await deps.runtime.listInstances({ app })).filter((i) => i.release !== keepRelease);
  if (old.length === 0) return 0;
  const ids = old.map((i) => targetId(app, i));
  await deps.router.drain(ids, deps.drainTimeoutMs).catch(() => undefined);
  await Promise.all(old.map((i) => deps.runtime.stopInstance(i.id, deps.stopGraceMs).catch(() => undefined)));
  emit?.({ type: 'log', line: `retired ${plural(old.length, 'old instance')}` });
  return old.length;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
