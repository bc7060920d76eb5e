import type Dockerode from 'dockerode';
import { pack } from 'tar-stream';
import { PaasError } from '@paas/core';
import { engine, engineUnless404, statusCodeOf, toEngineError } from './engine-errors.js';
import { toEnvList } from './env-list.js';
import { runState } from './instance-state.js';
import { labelFilter, ownedBy } from './labels.js';
import { LABEL, dataServiceName, networkName } from './names.js';
import type { DataServiceSpec, DataServiceState } from './types.js';

/** Processes a data service may run (PostgreSQL's backends, RabbitMQ's schedulers). */
const DATA_PIDS = 512;

export interface DataServiceContext {
  docker: Dockerode;
  platform: string;
  /** The platform's labels (platform id, test labels). */
  labels: Record<string, string>;
  logConfig: { Type: string; Config: Record<string, string> };
  ensureNetwork(app: string): Promise<void>;
}

/**
 * Data service containers for the docker driver: one container per service,
 * named and labelled apart from instances (the scheduler never sees them),
 * hardened like instances (non-root, no capabilities, no-new-privileges,
 * pids and memory limits), restarted by the engine on its volume.
 */
export async function startDataService(ctx: DataServiceContext, spec: DataServiceSpec): Promise<DataServiceState> {
  const existing = await findDataService(ctx, spec.app, spec.service);
  if (existing) {
    if (!existing.running && !existing.restarting) await engine(ctx.docker.getContainer(existing.id).start()).catch(ignore304);
    return (await findDataService(ctx, spec.app, spec.service)) ?? existing;
  }
  await ctx.ensureNetwork(spec.app);
  const name = dataServiceName(ctx.platform, spec.app, spec.service);
  const labels = { ...spec.labels, ...ctx.labels, [LABEL.app]: spec.app, [LABEL.service]: spec.service, [LABEL.data]: spec.type };
  await ensureVolume(ctx, name, labels);
  const network = networkName(ctx.platform, spec.app);
  let container: Dockerode.Container;
  try {
    container = await ctx.docker.createContainer({
      name,
      Image: spec.image,
      Hostname: spec.service,
      User: spec.user,
      Env: toEnvList(spec.env ?? {}),
      ...(spec.command ? { Cmd: spec.command } : {}),
      Labels: labels,
      HostConfig: {
        NetworkMode: network,
        Init: true,
        CapDrop: ['ALL'],
        ...(spec.capAdd.length > 0 ? { CapAdd: spec.capAdd } : {}),
        SecurityOpt: ['no-new-privileges:true'],
        PidsLimit: DATA_PIDS,
        Memory: spec.memoryBytes,
        MemorySwap: spec.memoryBytes,
        Mounts: [{ Type: 'volume', Source: name, Target: spec.dataPath }],
        RestartPolicy: { Name: 'unless-stopped' },
        LogConfig: ctx.logConfig,
      },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [spec.service] } } },
    });
  } catch (err) {
    if (statusCodeOf(err) === 409) {
      // Created concurrently by another pass: use that one.
      const other = await findDataService(ctx, spec.app, spec.service);
      if (other) return other;
    }
    if (statusCodeOf(err) === 404) throw new PaasError('SERVICE_NOT_READY', `image ${spec.image} of ${spec.service} is not on the engine`, { cause: err });
    throw toEngineError(err);
  }
  try {
    if (spec.file) {
      // Owned by the server's user: numeric ids go into the archive; a user name is resolved by the engine.
      const ids = /^(\d+)(?::(\d+))?$/.exec(spec.user);
      const owner = ids ? { uid: Number(ids[1]), gid: Number(ids[2] ?? ids[1]) } : undefined;
      const archive = await fileArchive(spec.file.name, spec.file.body, owner);
      await engine(container.putArchive(archive, { path: spec.file.dir, ...(owner ? {} : { copyUIDGID: true }) } as never));
    }
    await engine(container.start());
  } catch (err) {
    await engineUnless404(container.remove({ force: true, v: false })).catch(() => undefined);
    throw err;
  }
  const state = await findDataService(ctx, spec.app, spec.service);
  if (!state) throw new PaasError('SERVICE_NOT_READY', `${spec.service} disappeared right after it started`);
  return state;
}

export async function findDataService(ctx: DataServiceContext, app: string, service: string): Promise<DataServiceState | null> {
  const info = await engineUnless404(ctx.docker.getContainer(dataServiceName(ctx.platform, app, service)).inspect());
  // A container of that name from another platform or a test run is not ours.
  if (!info || !ownedBy(info.Config.Labels ?? {}, ctx.labels)) return null;
  return toDataState(info);
}

export async function listDataServices(ctx: DataServiceContext, app: string): Promise<DataServiceState[]> {
  const found = await engine(
    ctx.docker.listContainers({ all: true, filters: { label: [...labelFilter(ctx.labels), `${LABEL.app}=${app}`, LABEL.data] } }),
  );
  const states = await Promise.all(
    found.map(async (c) => {
      const info = await engineUnless404(ctx.docker.getContainer(c.Id).inspect());
      return info ? toDataState(info) : null;
    }),
  );
  return states.filter((s): s is DataServiceState => s !== null).sort((a, b) => a.service.localeCompare(b.service));
}

export async function removeDataService(ctx: DataServiceContext, app: string, service: string, opts: { volume: boolean }): Promise<void> {
  const name = dataServiceName(ctx.platform, app, service);
  const info = await engineUnless404(ctx.docker.getContainer(name).inspect());
  if (info && ownedBy(info.Config.Labels ?? {}, ctx.labels)) {
    await engineUnless404(ctx.docker.getContainer(info.Id).remove({ force: true, v: false })).catch(ignore409);
  }
  if (!opts.volume) return;
  const volume = await engineUnless404(ctx.docker.getVolume(name).inspect());
  if (volume && ownedBy(volume.Labels ?? {}, ctx.labels)) await engineUnless404(ctx.docker.getVolume(name).remove());
}

async function ensureVolume(ctx: DataServiceContext, name: string, labels: Record<string, string>): Promise<void> {
  const volume = await engineUnless404(ctx.docker.getVolume(name).inspect());
  if (volume) {
    if (!ownedBy(volume.Labels ?? {}, ctx.labels)) {
      throw new PaasError('DEPLOY_FAILED', `a volume named ${name} exists and is not this platform's`, { hint: 'remove or rename it with docker volume rm' });
    }
    return; // kept data: the container starts on it and does not initialise again
  }
  await engine(ctx.docker.createVolume({ Name: name, Labels: labels }));
}

function toDataState(info: Dockerode.ContainerInspectInfo): DataServiceState {
  const labels = info.Config.Labels ?? {};
  const mount = (info.Mounts ?? []).find((m) => m.Type === 'volume');
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    app: labels[LABEL.app] ?? '',
    service: labels[LABEL.service] ?? '',
    type: labels[LABEL.data] ?? '',
    ...runState(info),
    restartCount: info.RestartCount,
    volume: mount?.Name ?? '',
  };
}

async function fileArchive(name: string, body: string, owner?: { uid: number; gid: number }): Promise<Buffer> {
  const tar = pack();
  tar.entry({ name, mode: 0o600, mtime: new Date(), ...owner }, Buffer.from(body, 'utf8'));
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function ignore304(err: unknown): void {
  if (statusCodeOf(err) !== 304) throw err;
}

function ignore409(err: unknown): void {
  if (statusCodeOf(err) !== 409) throw err;
}
