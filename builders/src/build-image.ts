import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PaasError, type CodeService } from '@paas/core';
import type Dockerode from 'dockerode';
import { packContext, listTree, type TreeEntry } from './build-context.js';
import { buildFailedError, engineCallError } from './build-errors.js';
import { nameHookStep } from './hooks.js';
import { BuildStreamParser, layersToRemove, type BuildEvent } from './build-stream.js';
import { cacheScopeLine, confineDockerfile } from './dockerfile-check.js';
import { CONTEXT_CA_FILE, CONTEXT_CODE_DIR } from './layout.js';
import type { BuildPlan } from './build-plan.js';
import { planBuild } from './plan-build.js';

export type { BuildEvent } from './build-stream.js';

export interface BuildImageOptions {
  app: string;
  service: CodeService;
  buildId: string;
  /** The extracted, validated pushed tree. */
  sourceDir: string;
  /** Build without any cached layer (`paas push --clean`). */
  clean?: boolean;
  /** `paas push --strict`: a Python pin Debian does not meet fails the build. */
  strict?: boolean;
  /** PAAS_BUILD_CA_FILE: a CA bundle the build trusts for HTTPS (npm, pip). */
  caFile?: string;
  memoryBytes?: number;
  cpuShares?: number;
  labels?: Record<string, string>;
  signal?: AbortSignal;
  /** The network the build's RUN steps use (the platform's build network); the engine's default bridge when unset. */
  networkMode?: string;
  /** The cgroup the RUN steps run under, which carries the build's pids limit (the API's build-cgroups.ts). */
  cgroupParent?: string;
}

const TAG_PART_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const PING_TIMEOUT_MS = 10_000;

/**
 * Builds one service's image: the only Docker call in builders. Yields the
 * engine's steps and output lines as they happen and ends with `done`; throws
 * PaasError BUILD_FAILED (naming the step, with the tool's last lines),
 * DISK_FULL or ENGINE_UNAVAILABLE.
 */
export async function* buildImage(docker: Dockerode, opts: BuildImageOptions): AsyncGenerator<BuildEvent> {
  const { app, service, buildId } = opts;
  if (!TAG_PART_RE.test(buildId)) throw new PaasError('INTERNAL', `build id ${JSON.stringify(buildId)} cannot be an image tag`);
  const tag = `paas/${app}/${service.name}:${buildId}`;

  const tree = await listTree(opts.sourceDir);
  const treeFiles = new Set(tree.filter((e) => e.kind !== 'directory').map((e) => e.rel));
  const labels = { ...opts.labels, 'paas.app': app, 'paas.service': service.name, 'paas.build': buildId };
  const plan = planBuild(service, { app, files: (rel) => treeFiles.has(rel), caFile: opts.caFile !== undefined, labels, strict: opts.strict === true });

  let context: { tree: TreeEntry[]; prefix: string; generated: Record<string, string> };
  let dockerfile = 'Dockerfile';
  // The app's own Dockerfile, checked and given the app's cache scope, goes into the context from here.
  let confinedDir: string | undefined;
  if (plan.appDockerfile === undefined) {
    const generated: Record<string, string> = { Dockerfile: plan.dockerfile, ...plan.files };
    if (opts.caFile !== undefined) generated[CONTEXT_CA_FILE] = await readCaFile(opts.caFile);
    context = { tree, prefix: CONTEXT_CODE_DIR, generated };
  } else {
    const { contextDir, path } = plan.appDockerfile;
    const contextTree = contextDir === '.' ? tree : await listTree(join(opts.sourceDir, contextDir));
    // Checked before the engine is asked for anything: a refused Dockerfile leaves nothing behind.
    const confined = confineDockerfile(await readFile(join(opts.sourceDir, contextDir, path), 'utf8'), {
      service: service.name,
      file: service.dockerfile ?? path,
      scopeLine: cacheScopeLine(app, opts.labels),
    });
    confinedDir = await mkdtemp(join(tmpdir(), 'paas-dockerfile-'));
    const confinedFile = join(confinedDir, 'Dockerfile');
    await writeFile(confinedFile, confined);
    const size = Buffer.byteLength(confined);
    context = {
      tree: contextTree.map((e) => (e.rel === path ? { ...e, abs: confinedFile, kind: 'file' as const, size } : e)),
      prefix: '',
      generated: {},
    };
    dockerfile = path;
  }

  try {
    yield* runBuild(docker, opts, { tag, labels, dockerfile, context, ownDockerfile: plan.appDockerfile !== undefined, codeStep: plan.codeStep, plan });
  } finally {
    if (confinedDir !== undefined) await rm(confinedDir, { recursive: true, force: true });
  }
}

interface EngineBuild {
  tag: string;
  labels: Record<string, string>;
  dockerfile: string;
  context: { tree: TreeEntry[]; prefix: string; generated: Record<string, string> };
  ownDockerfile: boolean;
  codeStep: string | undefined;
  /** Names failing hook steps by their spec key. */
  plan: BuildPlan;
}

async function* runBuild(docker: Dockerode, opts: BuildImageOptions, build: EngineBuild): AsyncGenerator<BuildEvent> {
  const { tag, labels, dockerfile, context } = build;
  await checkEngine(docker, opts.signal);
  const packed = packContext(context);
  let response: NodeJS.ReadableStream;
  try {
    response = await docker.buildImage(packed.stream as unknown as NodeJS.ReadableStream, {
      t: tag,
      dockerfile,
      // A generated Dockerfile carries them in one LABEL line; an app's own Dockerfile gets them from the engine.
      ...(build.ownDockerfile ? { labels } : {}),
      nocache: opts.clean === true,
      rm: true,
      forcerm: true,
      pull: false,
      ...(opts.networkMode === undefined ? {} : { networkmode: opts.networkMode }),
      ...(opts.cgroupParent === undefined ? {} : { cgroupparent: opts.cgroupParent }),
      // No swap on top of the limit: a build that swaps slows every app on the host.
      ...(opts.memoryBytes === undefined ? {} : { memory: opts.memoryBytes, memswap: opts.memoryBytes }),
      ...(opts.cpuShares === undefined ? {} : { cpushares: opts.cpuShares }),
      ...(opts.signal === undefined ? {} : { abortSignal: opts.signal }),
    });
  } catch (err) {
    packed.stream.destroy();
    opts.signal?.throwIfAborted();
    throw engineCallError(err);
  }

  const parser = new BuildStreamParser({ steps: build.plan.steps });
  try {
    response.setEncoding('utf8');
    for await (const chunk of response) yield* parser.feed(chunk as string);
    yield* parser.end();
  } catch (err) {
    opts.signal?.throwIfAborted();
    throw engineCallError(err);
  } finally {
    // Also reached when the consumer stops early: hang up so the engine stops building.
    (response as unknown as { destroy?: () => void }).destroy?.();
    packed.stream.destroy();
  }
  if (parser.failure !== undefined) {
    // The engine keeps the images of the steps that succeeded; a failed push leaves nothing.
    for (const id of layersToRemove(parser.committed, build.codeStep)) await removeUntagged(docker, id);
    throw buildFailedError(nameHookStep(parser.failure, build.plan));
  }

  const imageId = parser.imageId ?? (await docker.getImage(tag).inspect()).Id;
  yield { type: 'done', imageId, tag };
}

/** Removes one image the failed build made, unless something has tagged it since. */
async function removeUntagged(docker: Dockerode, id: string): Promise<void> {
  try {
    const image = docker.getImage(id);
    if (((await image.inspect()).RepoTags ?? []).length > 0) return;
    await image.remove({ noprune: true });
  } catch {
    // Gone already, or a later build uses it as its parent: either way it is not litter.
  }
}

async function readCaFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new PaasError('BUILD_FAILED', `cannot read the build CA file ${path}: ${(err as Error).message}`, {
      hint: 'PAAS_BUILD_CA_FILE must name a readable PEM bundle, e.g. /etc/ssl/certs/ca-certificates.crt',
    });
  }
}

// A quick ping first, so an engine that accepts connections but never answers
// gives ENGINE_UNAVAILABLE instead of a build that hangs.
async function checkEngine(docker: Dockerode, signal: AbortSignal | undefined): Promise<void> {
  const timeout = AbortSignal.timeout(PING_TIMEOUT_MS);
  try {
    // dockerode's types omit ping's options; the runtime accepts abortSignal.
    const ping = docker.ping.bind(docker) as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>;
    await ping({ abortSignal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]) });
  } catch (err) {
    signal?.throwIfAborted();
    if (timeout.aborted) {
      throw new PaasError('ENGINE_UNAVAILABLE', `the Docker Engine did not answer within ${PING_TIMEOUT_MS / 1000} s`, {
        hint: 'check that dockerd is running and not overloaded',
      });
    }
    throw engineCallError(err);
  }
}
