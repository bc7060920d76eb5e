import { createHash } from 'node:crypto';
import type Dockerode from 'dockerode';
import { PaasError } from '@paas/core';
import { engine, engineUnless404, statusCodeOf, toEngineError } from './engine-errors.js';
import { toEnvList } from './env-list.js';
import { demuxFrames } from './demux.js';
import { labelFilter, ownedBy } from './labels.js';
import { LABEL, dataServiceName, networkName } from './names.js';
import type { DataServiceSpec, DataServiceState } from './types.js';

/** Processes a data service may run (as the docker driver's DATA_PIDS). */
const DATA_PIDS = 512;
/** The node a data service is pinned to (a label of its Swarm service). */
export const NODE_LABEL = 'paas.node';
/** Swarm's label on the containers of a service's tasks. */
const SWARM_SERVICE_LABEL = 'com.docker.swarm.service.name';
const NANOS = 1_000_000_000;
/** Swarm refuses longer secret names. */
const SECRET_NAME_MAX = 64;

export interface SwarmDataContext {
  /** The swarm manager's engine. */
  docker: Dockerode;
  platform: string;
  /** The platform's labels (platform id, test labels): on every object, in every filter. */
  labels: Record<string, string>;
  logConfig: { Type: string; Config: Record<string, string> };
  /** Creates the app's attachable overlay network networkName(platform, app). */
  ensureNetwork(app: string): Promise<void>;
  /** A reference every node can pull (a registry digest reference); the identity where the image is on every node. */
  resolveImage(ref: string): Promise<string>;
  /** The engine of one node (by its host name), to remove a volume there; undefined when the platform has none for it. */
  engineFor(node: string): Dockerode | undefined;
}

/**
 * Data services for the Swarm driver: one replicated service with one replica
 * per data service, pinned by a placement constraint to the node chosen at its
 * creation, where Swarm creates its named volume. Hardened as far as Swarm's
 * ContainerSpec goes on Docker 20.10 (API 1.41): non-root, init, no
 * capabilities but the type's, memory and pids limits. The credentials file is
 * a Swarm secret mounted at its path, owned by the server's user, mode 0600.
 * Swarm restarts the task; the service is never re-created or moved.
 */
export async function startDataService(ctx: SwarmDataContext, spec: DataServiceSpec): Promise<DataServiceState> {
  const name = dataServiceName(ctx.platform, spec.app, spec.service);
  const existing = await engineUnless404(ctx.docker.getService(name).inspect());
  if (existing) {
    if (!ownedBy(existing.Spec?.Labels ?? {}, ctx.labels)) {
      throw new PaasError('DEPLOY_FAILED', `a Swarm service named ${name} exists and is not this platform's`, { hint: 'remove or rename it with docker service rm' });
    }
    if ((existing.Spec?.Mode?.Replicated?.Replicas ?? 1) === 0) await scale(ctx, existing, 1);
    return (await findDataService(ctx, spec.app, spec.service)) ?? stateOf(existing, []);
  }
  await ctx.ensureNetwork(spec.app);
  // A volume kept from an earlier service of that name (removed without its volume) decides the node.
  const node = (await nodeHoldingVolume(ctx, name)) ?? (await chooseDataNode(ctx));
  const labels = { ...spec.labels, ...ctx.labels, [LABEL.app]: spec.app, [LABEL.service]: spec.service, [LABEL.data]: spec.type };
  const secrets: Dockerode.SecretReference[] = [];
  if (spec.file) {
    const owner = parseUserIds(spec.user) ?? (await userIdsFromImage(ctx, spec.image, spec.user));
    const secret = await ensureSecret(ctx, secretName(name, spec.file.body), spec.file.body, labels);
    secrets.push({
      SecretID: secret.id,
      SecretName: secret.name,
      File: { Name: `${spec.file.dir.replace(/\/+$/, '')}/${spec.file.name}`, UID: String(owner.uid), GID: String(owner.gid), Mode: 0o600 },
    });
  }
  const image = await ctx.resolveImage(spec.image);
  const serviceLabels = { ...labels, [NODE_LABEL]: node };
  let created: { id: string };
  try {
    created = (await ctx.docker.createService({
      Name: name,
      Labels: serviceLabels,
      TaskTemplate: {
        ContainerSpec: {
          Image: image,
          Labels: serviceLabels,
          Hostname: spec.service,
          User: spec.user,
          Env: toEnvList(spec.env ?? {}),
          // The image's entrypoint stays; the command replaces its CMD, as the docker driver's Cmd does.
          ...(spec.command ? { Args: spec.command } : {}),
          Init: true,
          CapabilityDrop: ['ALL'],
          ...(spec.capAdd.length > 0 ? { CapabilityAdd: spec.capAdd } : {}),
          Mounts: [{ Type: 'volume', Source: name, Target: spec.dataPath, VolumeOptions: { Labels: labels } } as unknown as Dockerode.MountSettings],
          Secrets: secrets,
          StopGracePeriod: 10 * NANOS,
        },
        Resources: { Limits: { MemoryBytes: spec.memoryBytes, Pids: DATA_PIDS } },
        RestartPolicy: { Condition: 'any' },
        Placement: { Constraints: [`node.hostname==${node}`] },
        Networks: [{ Target: networkName(ctx.platform, spec.app), Aliases: [spec.service] }],
        LogDriver: { Name: ctx.logConfig.Type, Options: ctx.logConfig.Config },
      },
      Mode: { Replicated: { Replicas: 1 } },
      EndpointSpec: { Mode: 'dnsrr' },
    })) as unknown as { id: string };
  } catch (err) {
    if (statusCodeOf(err) === 409) {
      // Created concurrently by another pass: use that one.
      const other = await findDataService(ctx, spec.app, spec.service);
      if (other) return other;
    }
    // The secret made for it has no service to use it.
    if (spec.file) await removeSecrets(ctx, spec.app, spec.service).catch(() => undefined);
    throw toEngineError(err);
  }
  const state = await firstTask(ctx, name, created.id, spec.image);
  return state;
}

export async function findDataService(ctx: SwarmDataContext, app: string, service: string): Promise<DataServiceState | null> {
  const info = await engineUnless404(ctx.docker.getService(dataServiceName(ctx.platform, app, service)).inspect());
  // A service of that name from another platform or a test run is not ours.
  if (!info || !ownedBy(info.Spec?.Labels ?? {}, ctx.labels) || !(LABEL.data in (info.Spec?.Labels ?? {}))) return null;
  return stateOf(info, await tasksOf(ctx, info.ID));
}

export async function listDataServices(ctx: SwarmDataContext, app: string): Promise<DataServiceState[]> {
  const found = await engine(ctx.docker.listServices({ filters: { label: [...labelFilter(ctx.labels), `${LABEL.app}=${app}`, LABEL.data] } }));
  const states = await Promise.all(found.map(async (s) => stateOf(s, await tasksOf(ctx, s.ID))));
  return states.sort((a, b) => a.service.localeCompare(b.service));
}

/**
 * Removes the service and waits until each of its tasks ended (the server
 * stopped), then removes its secrets, and with `volume` the volume on the node
 * it was pinned to (through that node's engine, once the service's containers
 * there are gone). Without the service, the volume is looked for on every node.
 */
export async function removeDataService(ctx: SwarmDataContext, app: string, service: string, opts: { volume: boolean }): Promise<void> {
  const name = dataServiceName(ctx.platform, app, service);
  const info = await engineUnless404(ctx.docker.getService(name).inspect());
  const ours = info !== undefined && ownedBy(info.Spec?.Labels ?? {}, ctx.labels);
  const pinned = ours ? info.Spec?.Labels?.[NODE_LABEL] : undefined;
  // Checked before anything is removed, so a missing engine changes nothing.
  const nodes = opts.volume ? (pinned ? [pinned] : await nodeNames(ctx)) : [];
  const engines = nodes.map((node) => ({ node, docker: engineOf(ctx, node) }));
  if (ours) {
    await engineUnless404(ctx.docker.getService(info.ID).remove());
    // Until its tasks are shut down, the server still runs on the volume: a new service must not start on it yet.
    // (The service filter refuses a removed service; task names start with the service's name.)
    await waitUntil(
      async () => {
        const tasks = (await engine(ctx.docker.listTasks({ filters: { name: [name] } }))) as (SwarmTaskInfo & { ServiceID?: string })[];
        return tasks.every((t) => t.ServiceID !== info.ID || ENDED.has(t.Status?.State ?? ''));
      },
      60_000,
      `the tasks of ${name} to end`,
    );
  }
  await removeSecrets(ctx, app, service);
  for (const { docker } of engines) {
    await waitUntil(async () => (await engine(docker.listContainers({ all: true, filters: { label: [`${SWARM_SERVICE_LABEL}=${name}`] } }))).length === 0, 60_000, `the containers of ${name} to go`);
    const volume = await engineUnless404(docker.getVolume(name).inspect());
    if (!volume || !ownedBy(volume.Labels ?? {}, ctx.labels)) continue;
    await retrying(() => engineUnless404(docker.getVolume(name).remove()), 15_000);
  }
}

// --- pure parts ----------------------------------------------------------------

/** A node as the engine lists it (the fields used here). */
export interface SwarmNodeInfo {
  Description?: { Hostname?: string };
  Status?: { State?: string };
  Spec?: { Availability?: string };
}

/**
 * The node for a new data service: ready and active, the fewest paas data
 * services pinned to it, ties by name. Null when no node qualifies.
 */
export function chooseNode(nodes: readonly SwarmNodeInfo[], pinned: Readonly<Record<string, number>>): string | null {
  const candidates = nodes
    .filter((n) => n.Status?.State === 'ready' && n.Spec?.Availability === 'active' && n.Description?.Hostname)
    .map((n) => n.Description!.Hostname!)
    .sort((a, b) => (pinned[a] ?? 0) - (pinned[b] ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  return candidates[0] ?? null;
}

/** uid and gid of a numeric user ("999" or "999:998"); null when either part is a name. */
export function parseUserIds(user: string): { uid: number; gid: number } | null {
  const ids = /^(\d+)(?::(\d+))?$/.exec(user);
  return ids ? { uid: Number(ids[1]), gid: Number(ids[2] ?? ids[1]) } : null;
}

/** The secret holding a data service's credentials file: the service's name and a short hash of the body. */
export function secretName(serviceName: string, body: string): string {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 10);
  return `${serviceName.slice(0, SECRET_NAME_MAX - hash.length - 1)}-${hash}`;
}

/** A task as the engine lists it (the fields used here). */
export interface SwarmTaskInfo {
  ID?: string;
  CreatedAt?: string;
  DesiredState?: string;
  Version?: { Index?: number };
  Status?: { Timestamp?: string; State?: string; Err?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
}

/** A task's error when its node has no such image and cannot pull it. */
const IMAGE_MISSING = /no such image|manifest unknown|manifest for \S+ not found|pull access denied|repository does not exist/i;

/** States of a task that ended. */
const ENDED = new Set(['complete', 'failed', 'shutdown', 'rejected', 'orphaned', 'remove']);

/**
 * How a data service runs, from its tasks: the newest task (by creation) is
 * the current run; running when it runs; restarting when it does not run yet
 * but Swarm is starting it again after an earlier task ended; restartCount
 * counts the earlier tasks that ended (Swarm keeps a few: its task history
 * limit, 5 by default); exitCode is the newest ended run's when not running.
 * startedAt: when the running task reached running (its status time); when not
 * running, when the last run ended, null if no task ever ran.
 */
export function runStateFromTasks(tasks: readonly SwarmTaskInfo[]): Pick<DataServiceState, 'running' | 'restarting' | 'exitCode' | 'restartCount' | 'startedAt'> {
  const sorted = [...tasks].sort((a, b) => (a.CreatedAt ?? '').localeCompare(b.CreatedAt ?? '') || (a.Version?.Index ?? 0) - (b.Version?.Index ?? 0));
  const newest = sorted[sorted.length - 1];
  const earlier = sorted.slice(0, -1).filter((t) => ENDED.has(t.Status?.State ?? ''));
  const running = newest?.Status?.State === 'running';
  const ran = [...sorted].reverse().find((t) => t.Status?.ContainerStatus?.ContainerID && ENDED.has(t.Status?.State ?? ''));
  const time = (t: SwarmTaskInfo | undefined): Date | null => (t?.Status?.Timestamp ? new Date(t.Status.Timestamp) : null);
  return {
    running,
    restarting: !running && newest?.DesiredState === 'running' && earlier.length > 0,
    exitCode: running || !ran ? null : (ran.Status?.ContainerStatus?.ExitCode ?? null),
    restartCount: earlier.length,
    startedAt: running ? time(newest) : time(ran),
  };
}

// --- engine parts --------------------------------------------------------------

function stateOf(info: Dockerode.Service, tasks: readonly SwarmTaskInfo[]): DataServiceState {
  const labels = info.Spec?.Labels ?? {};
  const node = labels[NODE_LABEL];
  return {
    id: info.ID,
    name: info.Spec?.Name ?? '',
    app: labels[LABEL.app] ?? '',
    service: labels[LABEL.service] ?? '',
    type: labels[LABEL.data] ?? '',
    ...runStateFromTasks(tasks),
    volume: info.Spec?.TaskTemplate && 'ContainerSpec' in info.Spec.TaskTemplate ? (info.Spec.TaskTemplate.ContainerSpec?.Mounts ?? []).find((m) => m.Type === 'volume')?.Source ?? '' : '',
    ...(node ? { node } : {}),
  };
}

async function tasksOf(ctx: SwarmDataContext, serviceId: string): Promise<SwarmTaskInfo[]> {
  return (await engine(ctx.docker.listTasks({ filters: { service: [serviceId] } }))) as SwarmTaskInfo[];
}

async function scale(ctx: SwarmDataContext, info: Dockerode.Service, replicas: number): Promise<void> {
  const spec = { ...info.Spec, Mode: { Replicated: { Replicas: replicas } } };
  try {
    await ctx.docker.getService(info.ID).update({ ...spec, version: info.Version?.Index } as never);
  } catch (err) {
    // Another pass updated it first (out of sequence): that one scaled it.
    if (!/out of sequence/.test(String((err as Error).message))) throw toEngineError(err);
  }
}

async function chooseDataNode(ctx: SwarmDataContext): Promise<string> {
  const nodes = (await engine(ctx.docker.listNodes())) as SwarmNodeInfo[];
  // Every platform's data services count: they all use the node's memory and disk.
  const services = await engine(ctx.docker.listServices({ filters: { label: [LABEL.data, NODE_LABEL] } }));
  const pinned: Record<string, number> = {};
  for (const s of services) {
    const node = s.Spec?.Labels?.[NODE_LABEL];
    if (node) pinned[node] = (pinned[node] ?? 0) + 1;
  }
  const node = chooseNode(nodes, pinned);
  if (!node) throw new PaasError('DEPLOY_FAILED', 'no node of the swarm is ready and active for a data service', { hint: 'see paas nodes; activate a node' });
  return node;
}

/**
 * The node whose engine has this platform's volume of that name, or undefined.
 * Only ready nodes whose engine the platform has (engineFor) are looked at: a
 * kept volume on a node that is down is not found. A volume of that name that
 * is not ours is refused, as the docker driver does.
 */
async function nodeHoldingVolume(ctx: SwarmDataContext, name: string): Promise<string | undefined> {
  for (const node of await nodeNames(ctx, 'ready')) {
    const docker = ctx.engineFor(node);
    if (!docker) continue;
    const volume = await engineUnless404(docker.getVolume(name).inspect());
    if (!volume) continue;
    if (!ownedBy(volume.Labels ?? {}, ctx.labels)) {
      throw new PaasError('DEPLOY_FAILED', `a volume named ${name} exists on node ${node} and is not this platform's`, { hint: `remove or rename it with docker volume rm on ${node}` });
    }
    return node;
  }
  return undefined;
}

/** Host names of the swarm's nodes (of those in that state), sorted. */
async function nodeNames(ctx: SwarmDataContext, state?: string): Promise<string[]> {
  const nodes = (await engine(ctx.docker.listNodes())) as SwarmNodeInfo[];
  return nodes
    .filter((n) => state === undefined || n.Status?.State === state)
    .map((n) => n.Description?.Hostname ?? '')
    .filter((n) => n !== '')
    .sort();
}

function engineOf(ctx: SwarmDataContext, node: string): Dockerode {
  const docker = ctx.engineFor(node);
  if (!docker) {
    throw new PaasError('DEPLOY_FAILED', `cannot reach the engine of node ${node}, which holds the data service's volume`, {
      hint: `PAAS_SWARM_ENGINES must name the engine of ${node}`,
    });
  }
  return docker;
}

/**
 * The numeric ids of a user named in the image: `id -u` and `id -g` in a short
 * container of the image on the manager's engine (no network, no
 * capabilities). A group name after ":" is looked up with getent.
 */
async function userIdsFromImage(ctx: SwarmDataContext, image: string, user: string): Promise<{ uid: number; gid: number }> {
  const [name = '', group = ''] = user.split(':');
  const script = `set -e
case "$1" in *[!0-9]*) u=$(id -u "$1") ;; *) u=$1 ;; esac
case "$2" in
  '') g=$(id -g "$1") ;;
  *[!0-9]*) g=$(getent group "$2" | cut -d: -f3) ;;
  *) g=$2 ;;
esac
echo "$u:$g"`;
  let container: Dockerode.Container;
  try {
    container = await ctx.docker.createContainer({
      Image: image,
      Entrypoint: ['sh', '-c', script, 'sh', name, group],
      Cmd: [],
      User: '0:0',
      Labels: { ...ctx.labels, [LABEL.oneOff]: 'user-ids' },
      HostConfig: { NetworkMode: 'none', CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges:true'], AutoRemove: false },
    });
  } catch (err) {
    if (statusCodeOf(err) === 404) throw new PaasError('SERVICE_NOT_READY', `image ${image} is not on the swarm's manager`, { cause: err });
    throw toEngineError(err);
  }
  try {
    await engine(container.start());
    const { StatusCode } = (await engine(container.wait())) as { StatusCode: number };
    const logs = (await engine(container.logs({ stdout: true, stderr: true }))) as unknown as Buffer;
    const text = demuxFrames(logs).toString('utf8');
    const ids = /^(\d+):(\d+)$/m.exec(text);
    if (StatusCode !== 0 || !ids) throw new PaasError('DEPLOY_FAILED', `user ${user} is not known in image ${image}: ${text.trim().slice(-200)}`);
    return { uid: Number(ids[1]), gid: Number(ids[2]) };
  } finally {
    await engineUnless404(container.remove({ force: true })).catch(() => undefined);
  }
}

/** The secret of that name, made with this body and labels unless it exists (a name holds a hash of its body); another platform's is refused. */
export async function ensureSecret(ctx: Pick<SwarmDataContext, 'docker' | 'labels'>, name: string, body: string, labels: Record<string, string>): Promise<{ id: string; name: string }> {
  const found = await engineUnless404(ctx.docker.getSecret(name).inspect());
  if (found) {
    if (!ownedBy(found.Spec?.Labels ?? {}, ctx.labels)) throw new PaasError('DEPLOY_FAILED', `a Swarm secret named ${name} exists and is not this platform's`, { hint: 'remove it with docker secret rm' });
    return { id: found.ID, name };
  }
  try {
    const created = (await ctx.docker.createSecret({ Name: name, Labels: labels, Data: Buffer.from(body, 'utf8').toString('base64') })) as { id: string };
    return { id: created.id, name };
  } catch (err) {
    if (statusCodeOf(err) === 409) {
      const other = await engineUnless404(ctx.docker.getSecret(name).inspect());
      if (other) return { id: other.ID, name };
    }
    throw toEngineError(err);
  }
}

async function removeSecrets(ctx: SwarmDataContext, app: string, service: string): Promise<void> {
  const secrets = await engine(ctx.docker.listSecrets({ filters: { label: [...labelFilter(ctx.labels), `${LABEL.app}=${app}`, `${LABEL.service}=${service}`, LABEL.data] } }));
  // A secret of a service removed a moment ago can be refused as in use until its tasks are gone.
  for (const secret of secrets) await retrying(() => engineUnless404(ctx.docker.getSecret(secret.ID).remove()), 30_000);
}

/**
 * Waits for the new service's first task to run, or to fail for its image
 * (then the service and its secret go and SERVICE_NOT_READY is thrown, as the
 * docker driver's for a missing image). Other states are the provisioner's to
 * wait for: it polls findDataService until running.
 */
async function firstTask(ctx: SwarmDataContext, name: string, id: string, image: string): Promise<DataServiceState> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const info = await engineUnless404(ctx.docker.getService(id).inspect());
    if (!info) throw new PaasError('SERVICE_NOT_READY', `${name} disappeared right after it was created`);
    const tasks = await tasksOf(ctx, id);
    const state = stateOf(info, tasks);
    const failed = tasks.find((t) => ENDED.has(t.Status?.State ?? '') && IMAGE_MISSING.test(t.Status?.Err ?? ''));
    if (failed) {
      const labels = info.Spec?.Labels ?? {};
      await engineUnless404(ctx.docker.getService(id).remove()).catch(() => undefined);
      await removeSecrets(ctx, labels[LABEL.app] ?? '', labels[LABEL.service] ?? '').catch(() => undefined);
      throw new PaasError('SERVICE_NOT_READY', `image ${image} of ${labels[LABEL.service] ?? name} cannot be run on node ${labels[NODE_LABEL] ?? '?'}: ${failed.Status?.Err ?? ''}`);
    }
    if (state.running || state.restarting || Date.now() >= deadline) return state;
    await sleep(200);
  }
}

async function retrying<T>(call: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const status = statusCodeOf(err);
      if (Date.now() >= deadline || (status !== 400 && status !== 409 && status !== 500)) throw err;
      await sleep(250);
    }
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() >= deadline) throw new PaasError('DEPLOY_FAILED', `timed out waiting for ${what}`);
    await sleep(250);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
