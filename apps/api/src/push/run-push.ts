import { buildImage } from '@paas/builders';
import { PaasError, hasWebService, type AppSpec, type CodeService, type ErrorBody } from '@paas/core';
import type Dockerode from 'dockerode';
import { DeployError, type Deployer, type Emit } from '../deploy/deployer.js';
import { appUrl } from '../deploy/routes-for-app.js';
import type { AppLocks } from '../locks.js';
import type { Provisioner } from '../provision/provisioner.js';
import type { Runtime } from '../runtime/types.js';
import type { Store } from '../store/types.js';
import { BuildLog } from './build-log.js';

export interface PushDeps {
  store: Store;
  runtime: Runtime;
  deployer: Deployer;
  provisioner: Provisioner;
  locks: AppLocks;
  docker: Dockerode;
  domain: string;
  routerPort: number;
  labels: Record<string, string>;
  buildCaFile: string | undefined;
  buildMemoryBytes: number;
  buildCpuShares: number;
}

export interface PushInput {
  app: string;
  actor: string;
  buildId: string;
  spec: AppSpec;
  sourceDir: string;
  clean: boolean;
  emit: Emit;
  /** Releases the app's lock: called at the switch, before the old instances are retired. */
  unlock: () => Promise<void>;
  /** Runs after the push is over (retiring the old instances, pruning images); the response does not wait for it. */
  background: (work: Promise<unknown>) => void;
}

/**
 * Builds every code service, records an immutable release and deploys it.
 * Resolves with the release id; every failure is reported as an `error`
 * event and leaves the previous release serving.
 */
export async function runPush(deps: PushDeps, input: PushInput): Promise<string | undefined> {
  const { store } = deps;
  const { app, buildId, spec, emit } = input;
  const log = new BuildLog(store, buildId);
  const emitAndLog: Emit = (event) => {
    emit(event);
    log.record(event);
  };
  await store.createBuild(app, buildId, input.clean);
  try {
    // Before anything changes: a data service whose image cannot be had fails the push here.
    const serviceImages = await deps.provisioner.prepare(app, spec, emitAndLog);

    // Created once, while the code builds and before the code services that use
    // them deploy; existing ones are left as they are.
    const provisioning = deps.provisioner.provision(app, spec, serviceImages, emitAndLog);
    provisioning.catch(() => undefined); // handled below, after the builds; never an unhandled rejection meanwhile
    const images: Record<string, string> = {};
    try {
      for (const service of Object.values(spec.services).filter((s): s is CodeService => s.kind === 'code')) {
        images[service.name] = await buildService(deps, input, service, emitAndLog);
      }
    } catch (err) {
      // The push ends only once provisioning has (the app's lock covers both).
      await provisioning.catch(() => undefined);
      throw err;
    }
    await provisioning;

    const release = await store.createRelease({ app, buildId, spec, images, env: {} });
    const old = await deps.deployer.deploy(release, emitAndLog);
    // Live: the lock goes at the switch, and the old instances are drained
    // in the background, so `paas push` ends when the app is live.
    await input.unlock();
    input.background(
      deps.deployer
        .retire(app, old)
        .then(() => pruneUnderLock(deps, app))
        .catch(() => undefined),
    );
    await store.finishBuild(buildId, 'succeeded');
    await store.addEvent({ app, actor: input.actor, action: 'push', detail: { build: buildId, release: release.id } });
    if (old.length > 0) emitAndLog({ type: 'log', line: `retiring ${old.length} old instance${old.length === 1 ? '' : 's'} in the background` });
    // A workers-only release has no page: a URL here would answer 404.
    const url = hasWebService(spec) ? { url: appUrl(app, deps.domain, deps.routerPort) } : {};
    emitAndLog({ type: 'done', release: release.id, ...url });
    await log.flush();
    return release.id;
  } catch (err) {
    const error = err instanceof DeployError ? err.error : asPaasError(err);
    const logs = err instanceof DeployError ? err.logs : [];
    await store.finishBuild(buildId, 'failed', error.code).catch(() => undefined);
    emitAndLog({ type: 'error', error: error.toBody() as ErrorBody, ...(logs.length ? { logs } : {}) });
    await log.flush().catch(() => undefined);
    return undefined;
  }
}

async function buildService(deps: PushDeps, input: PushInput, service: CodeService, emit: Emit): Promise<string> {
  emit({ type: 'build.step', service: service.name, step: `Building ${service.name} (${service.type})` });
  let imageId: string | undefined;
  for await (const event of buildImage(deps.docker, {
    app: input.app,
    service,
    buildId: input.buildId,
    sourceDir: input.sourceDir,
    clean: input.clean,
    ...(deps.buildCaFile ? { caFile: deps.buildCaFile } : {}),
    memoryBytes: deps.buildMemoryBytes,
    cpuShares: deps.buildCpuShares,
    labels: deps.labels,
  })) {
    if (event.type === 'step') emit({ type: 'log', service: service.name, line: event.step });
    else if (event.type === 'log') emit({ type: 'log', service: service.name, line: event.line });
    else imageId = event.imageId;
  }
  if (imageId === undefined) throw new PaasError('BUILD_FAILED', `the build of ${service.name} produced no image`);
  return imageId;
}

/** Releases whose images are kept, for rollback: the active one and the ones before it. */
export const KEPT_RELEASES = 5;

/** Removes the images of failed releases and of releases older than the last KEPT_RELEASES. */
/** Pruning needs the lock: a push that started meanwhile builds an image no release names yet. Skipped then; the next push prunes. */
async function pruneUnderLock(deps: PushDeps, app: string): Promise<void> {
  const release = await deps.locks.tryAcquire(app);
  if (!release) return;
  try {
    await pruneImages(deps, app);
  } finally {
    await release();
  }
}

async function pruneImages(deps: PushDeps, app: string): Promise<void> {
  const releases = (await deps.store.listReleases(app)).filter((r) => r.status === 'active' || r.status === 'superseded');
  const keep = releases.slice(0, KEPT_RELEASES).flatMap((r) => Object.values(r.images));
  if (keep.length > 0) await deps.runtime.removeAppImages(app, keep);
}

export function asPaasError(err: unknown): PaasError {
  if (err instanceof PaasError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PaasError('INTERNAL', message, { cause: err });
}
