import { buildImage, MissingPackageError, missingPackageError } from '@paas/builders';
import { PaasError, type AppSpec, type CodeService, type ErrorBody } from '@paas/core';
import type Dockerode from 'dockerode';
import { DeployError, type Deployer, type Emit } from '../deploy/deployer.js';
import type { AppLocks } from '../locks.js';
import type { Provisioner } from '../provision/provisioner.js';
import { pruneUnderLock } from '../releases/prune-images.js';
import { doneEvent, rollOut } from '../releases/roll-out.js';
import { isUnchanged } from '../releases/same-release.js';
import type { Runtime } from '../runtime/types.js';
import type { Store } from '../store/types.js';
import type { BuildCgroups } from '../build-cgroups.js';
import { BuildLog } from './build-log.js';
import { DebianPackages } from './debian-packages.js';

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
  /** The network of the build's RUN steps (build-network.ts). */
  buildNetwork?: string;
  /** The pids limit of the build's RUN steps (build-cgroups.ts); none when unset. */
  buildCgroups?: BuildCgroups;
  /** Images of the newest this-many releases are kept (PAAS_KEEP_RELEASES). */
  keepReleases: number;
}

export interface PushInput {
  app: string;
  actor: string;
  buildId: string;
  spec: AppSpec;
  sourceDir: string;
  clean: boolean;
  /** `paas push --strict`: what would be a warning fails the build (Python pins Debian does not meet). */
  strict?: boolean;
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

    // The env snapshot: the app env now (paas env set, staged ones included).
    const env = await store.getAppEnv(app);
    const active = await store.getActiveRelease(app);
    if (active && (await isUnchanged(deps.runtime, active, { spec, images, env }))) {
      // Same code, spec and env: no release; this build's images are pruned as unused.
      await input.unlock();
      input.background(pruneUnderLock(deps, app).catch(() => undefined));
      await store.finishBuild(buildId, 'succeeded');
      await store.addEvent({ app, actor: input.actor, action: 'push', detail: { build: buildId, unchanged: active.id } });
      emitAndLog(doneEvent(deps, active, `nothing changed: ${active.id} keeps serving`));
      await log.flush();
      return active.id;
    }
    // Live: the lock goes at the switch, and the old instances are drained
    // in the background, so `paas push` ends when the app is live.
    const release = await rollOut(deps, {
      app,
      actor: input.actor,
      buildId,
      spec,
      images,
      env,
      cause: { kind: 'push' },
      emit: emitAndLog,
      unlock: input.unlock,
      background: input.background,
    });
    await store.finishBuild(buildId, 'succeeded');
    await store.addEvent({ app, actor: input.actor, action: 'push', detail: { build: buildId, release: release.id } });
    // A workers-only release has no page: doneEvent gives a URL only with a web service.
    emitAndLog(doneEvent(deps, release));
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

// One list per Docker Engine, for the life of the API: the mirror's names change rarely.
const packageLists = new WeakMap<Dockerode, DebianPackages>();

async function buildService(deps: PushDeps, input: PushInput, service: CodeService, emit: Emit): Promise<string> {
  emit({ type: 'build.step', service: service.name, step: `Building ${service.name} (${service.type})` });
  const name = service.name;
  let imageId: string | undefined;
  const cgroup = await deps.buildCgroups?.open(`${input.buildId}-${name}`);
  try {
    for await (const event of buildImage(deps.docker, {
      app: input.app,
      service,
      buildId: input.buildId,
      sourceDir: input.sourceDir,
      clean: input.clean,
      strict: input.strict === true,
      ...(deps.buildCaFile ? { caFile: deps.buildCaFile } : {}),
      memoryBytes: deps.buildMemoryBytes,
      cpuShares: deps.buildCpuShares,
      ...(deps.buildNetwork === undefined ? {} : { networkMode: deps.buildNetwork }),
      ...(cgroup?.parent === undefined ? {} : { cgroupParent: cgroup.parent }),
      labels: deps.labels,
    })) {
      if (event.type === 'step') emit({ type: 'log', service: name, line: event.step, source: 'build' });
      else if (event.type === 'log') emit({ type: 'log', service: name, line: event.line, source: 'build' });
      else if (event.type === 'stage') emit({ type: 'build.stage', service: name, kind: event.kind, title: event.title, cached: event.cached });
      else if (event.type === 'stage.done') emit({ type: 'build.stage.done', service: name, kind: event.kind, title: event.title, ms: event.ms, cached: event.cached });
      else imageId = event.imageId;
    }
  } catch (err) {
    if (err instanceof MissingPackageError) throw await withSuggestions(deps, err);
    throw err;
  } finally {
    await cgroup?.close();
  }
  if (imageId === undefined) throw new PaasError('BUILD_FAILED', `the build of ${service.name} produced no image`);
  return imageId;
}

/** The same error, with the nearest name the mirror has for each missing package. */
async function withSuggestions(deps: PushDeps, err: MissingPackageError): Promise<PaasError> {
  let list = packageLists.get(deps.docker);
  if (list === undefined) packageLists.set(deps.docker, (list = new DebianPackages(deps.docker, deps.labels)));
  const near = new Map<string, string | undefined>();
  for (const { name } of err.missing) near.set(name, await list.suggest(name));
  return missingPackageError(err.missing, (name) => near.get(name));
}

export function asPaasError(err: unknown): PaasError {
  if (err instanceof PaasError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PaasError('INTERNAL', message, { cause: err });
}
