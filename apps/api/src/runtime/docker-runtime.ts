import { createHash } from 'node:crypto';
import type Dockerode from 'dockerode';
import type { Readable } from 'node:stream';
import { PaasError } from '@paas/core';
import { DEFAULT_POOL, type AddressPool } from './address-pool.js';
import { demuxFrames, splitLines } from './demux.js';
import * as data from './docker-data-services.js';
import { execProcess, processArgv, startOneOff } from './docker-process.js';
import { sharedInFlight } from './in-flight.js';
import { engine, engineUnless404, statusCodeOf, toEngineError } from './engine-errors.js';
import { toEnvList } from './env-list.js';
import { containerOptions, containerStats } from './container-options.js';
import { APP_HOME, environmentArchive } from './environment-archive.js';
import { execInInstance } from './exec-instance.js';
import { PUBLISH_HOST, toInstanceState } from './instance-state.js';
import { LogFrameParser, logParams } from './log-frames.js';
import { createPoolNetwork } from './pool-network.js';
import { LABEL, containerName, instanceName, networkName } from './names.js';
import type {
  DataServiceSpec, DataServiceState, ExecResult, InstanceSpec, InstanceState, InstanceStats, LogLine, LogOptions, ProcessSession, ProcessSpec, Runtime, RuntimeEvent,
} from './types.js';

export interface DockerRuntimeOptions {
  /** The platform's id: in every label, filter and name of this runtime. */
  platformId: string;
  /** Added to every container, network and filter of this runtime (tests: paas.test=<run id>). */
  labels?: Record<string, string>;
  /** Where app networks' subnets come from. */
  pool?: AddressPool;
  /** Rotation of each instance's engine log. */
  logMaxBytes?: number;
  logMaxFiles?: number;
  /**
   * The network one-off containers join, when not this driver's own bridge
   * (the swarm driver runs its one-offs on the manager's engine, attached to
   * the app's overlay network).
   */
  oneOffNetwork?: { name(app: string): string; ensure(app: string): Promise<void> };
}

export { DEFAULT_PIDS } from './container-options.js';

/** The single-machine driver: plain containers on a per-app bridge network. */
export class DockerRuntime implements Runtime {
  private readonly labels: Record<string, string>;
  private readonly platform: string;
  private readonly pool: AddressPool;
  private readonly logConfig: { Type: string; Config: Record<string, string> };
  private readonly oneOffNetwork: DockerRuntimeOptions['oneOffNetwork'];

  constructor(private readonly docker: Dockerode, opts: DockerRuntimeOptions) {
    this.oneOffNetwork = opts.oneOffNetwork;
    this.platform = opts.platformId;
    this.labels = { ...opts.labels, [LABEL.platform]: opts.platformId };
    this.pool = opts.pool ?? DEFAULT_POOL;
    this.logConfig = {
      Type: 'json-file',
      Config: { 'max-size': String(opts.logMaxBytes ?? 10 * 1024 * 1024), 'max-file': String(opts.logMaxFiles ?? 3) },
    };
  }

  /** Network creations in flight: the engine allows two networks of one name, so concurrent callers share one. */
  private readonly creatingNetworks = new Map<string, Promise<void>>();

  ensureNetwork(app: string): Promise<void> {
    return sharedInFlight(this.creatingNetworks, app, () => this.createNetwork(app));
  }

  private async createNetwork(app: string): Promise<void> {
    const labels = { ...this.labels, [LABEL.app]: app, [LABEL.managed]: '1' };
    if (await createPoolNetwork(this.docker, this.pool, { name: networkName(this.platform, app), labels })) return;
    throw new PaasError('DEPLOY_FAILED', `no free subnet left in the address pool ${this.pool.base} for ${app}'s network`, {
      hint: 'set PAAS_NETWORK_POOL to a larger range, or destroy apps you no longer need',
    });
  }

  /** Removes the app's network, ending the app's one-off containers still attached to it first. */
  async removeNetwork(app: string): Promise<void> {
    await this.removeOneOffs(app);
    await engineUnless404(this.docker.getNetwork(networkName(this.platform, app)).remove());
  }

  /** Ends the app's one-off containers (`paas run`). */
  async removeOneOffs(app: string): Promise<void> {
    const oneOffs = await engine(
      this.docker.listContainers({
        all: true,
        filters: { label: [...Object.entries(this.labels).map(([k, v]) => `${k}=${v}`), `${LABEL.app}=${app}`, `${LABEL.oneOff}=1`] },
      }),
    );
    await Promise.all(oneOffs.map((c) => engineUnless404(this.docker.getContainer(c.Id).remove({ force: true }))));
  }

  async startInstance(spec: InstanceSpec): Promise<InstanceState> {
    await this.ensureNetwork(spec.app);
    const name = containerName(this.platform, spec);
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const port of spec.ports) {
      exposed[`${port}/tcp`] = {};
      // Loopback only: the router on this machine is the one way in.
      bindings[`${port}/tcp`] = [{ HostIp: PUBLISH_HOST, HostPort: '' }];
    }
    const container = await this.createContainer(name, spec.image, {
      ...this.containerOptions(name, spec, {
        [LABEL.instance]: instanceName(spec.service, spec.index),
        [LABEL.managed]: '1',
      }),
      ExposedPorts: exposed,
      ...(spec.command ? { Cmd: spec.command } : {}),
    }, {
      PortBindings: bindings,
      // Instances come back after a daemon or machine restart; `paas scale` to 0 is the only stop.
      RestartPolicy: { Name: 'unless-stopped' },
    });
    try {
      // Written before start so the app finds it on its first line of code.
      await engine(container.putArchive(await environmentArchive(spec.env), { path: APP_HOME }));
      await engine(container.start());
    } catch (err) {
      await engineUnless404(container.remove({ force: true, v: false })).catch(() => undefined);
      if (statusCodeOf(err) === 404) {
        throw new PaasError('DEPLOY_FAILED', `the image of ${name} has no ${APP_HOME} directory`, { cause: err });
      }
      throw err;
    }
    // Host ports are assigned at start (and again after a daemon restart), so read them back.
    const state = await this.inspectInstance(container.id);
    if (!state) throw new PaasError('DEPLOY_FAILED', `${name} disappeared right after it started`);
    return state;
  }

  /** Create options shared by instances and one-off containers (container-options.ts). */
  private containerOptions(name: string, spec: InstanceSpec, labels: Record<string, string>): Dockerode.ContainerCreateOptions {
    return containerOptions({ name, spec, network: networkName(this.platform, spec.app), labels: { ...this.labels, ...labels }, logConfig: this.logConfig });
  }

  async inspectInstance(id: string): Promise<InstanceState | null> {
    const info = await engineUnless404(this.docker.getContainer(id).inspect());
    return info ? toInstanceState(info) : null;
  }

  async listInstances(filter: { app?: string; service?: string; release?: string }): Promise<InstanceState[]> {
    const wanted: Record<string, string> = { ...this.labels, [LABEL.managed]: '1' };
    if (filter.app !== undefined) wanted[LABEL.app] = filter.app;
    if (filter.service !== undefined) wanted[LABEL.service] = filter.service;
    if (filter.release !== undefined) wanted[LABEL.release] = filter.release;
    const found = await engine(
      this.docker.listContainers({ all: true, filters: { label: Object.entries(wanted).map(([k, v]) => `${k}=${v}`) } }),
    );
    // The list summary lacks restart count and exit code; a container removed meanwhile is skipped.
    const states = await Promise.all(found.map((c) => this.inspectInstance(c.Id)));
    return states
      .filter((s): s is InstanceState => s !== null)
      .sort((a, b) => a.service.localeCompare(b.service) || a.index - b.index || a.release.localeCompare(b.release));
  }

  exec(id: string, command: string, timeoutMs: number): Promise<ExecResult> {
    return execInInstance(this.docker, id, command, timeoutMs);
  }

  async haltInstance(id: string, graceMs: number): Promise<void> {
    try {
      // The engine sends SIGTERM, waits t seconds, then SIGKILL.
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.ceil(graceMs / 1000)) });
    } catch (err) {
      const status = statusCodeOf(err);
      if (status === 404 || status === 304) return; // gone, or already stopped
      throw toEngineError(err);
    }
  }

  async removeInstance(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ v: false, force: true }); // data lives in named volumes, kept
    } catch (err) {
      const status = statusCodeOf(err);
      if (status === 404 || status === 409) return; // gone, or removal already in progress
      throw toEngineError(err);
    }
  }

  async stopInstance(id: string, graceMs: number): Promise<void> {
    await this.haltInstance(id, graceMs);
    await this.removeInstance(id);
  }

  async tailLogs(id: string, lines: number): Promise<string[]> {
    if (lines <= 0) return [];
    const raw = await engineUnless404(
      this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false, tail: lines }),
    );
    if (raw === undefined) return [];
    return splitLines(demuxFrames(raw).toString('utf8')).slice(-lines);
  }

  /** Exit code of the instance's last exit; inspect loses it once the restart policy has started it again. */
  async lastExitCode(id: string): Promise<number | null> {
    const info = await engineUnless404(this.docker.getContainer(id).inspect());
    if (!info) return null;
    const since = Math.floor(Date.parse(info.Created) / 1000);
    const raw = await engine(
      this.docker.getEvents({
        since,
        until: Math.ceil(Date.now() / 1000),
        filters: { container: [info.Id], event: ['die'] },
      }),
    );
    let text = '';
    for await (const chunk of raw) text += chunk.toString();
    let code: number | null = null;
    for (const line of splitLines(text)) {
      const exit = (JSON.parse(line) as { Actor?: { Attributes?: { exitCode?: string } } }).Actor?.Attributes?.exitCode;
      if (exit !== undefined) code = Number(exit);
    }
    return code;
  }

  async *logs(id: string, opts: LogOptions): AsyncIterable<LogLine> {
    const follow = opts.follow === true;
    const params = logParams(opts);
    const container = this.docker.getContainer(id);
    const parser = new LogFrameParser();
    if (!follow) {
      const raw = await engineUnless404(container.logs({ ...params, follow: false } as unknown as Dockerode.ContainerLogsOptions & { follow: false }));
      if (raw === undefined) return;
      yield* parser.push(raw as Buffer);
      yield* parser.end();
      return;
    }
    const stream = (await engineUnless404(
      container.logs({ ...params, follow: true } as unknown as Dockerode.ContainerLogsOptions & { follow: true }),
    )) as Readable | undefined;
    if (stream === undefined) return;
    const abort = (): void => void stream.destroy();
    opts.signal?.addEventListener('abort', abort, { once: true });
    try {
      for await (const chunk of stream) yield* parser.push(chunk as Buffer);
      yield* parser.end();
    } catch (err) {
      if (!opts.signal?.aborted) throw toEngineError(err);
    } finally {
      opts.signal?.removeEventListener('abort', abort);
      stream.destroy();
    }
  }

  attach(id: string, proc: ProcessSpec): Promise<ProcessSession> {
    return execProcess(this.docker, id, proc);
  }

  async runOneOff(spec: InstanceSpec, proc: ProcessSpec): Promise<ProcessSession> {
    const network = this.oneOffNetwork;
    await (network ? network.ensure(spec.app) : this.ensureNetwork(spec.app));
    const name = `${containerName(this.platform, spec)}-run`;
    const options = containerOptions({
      name,
      spec,
      network: network ? network.name(spec.app) : networkName(this.platform, spec.app),
      labels: { ...this.labels, [LABEL.oneOff]: '1' },
      logConfig: this.logConfig,
    });
    const container = await this.createContainer(name, spec.image, {
      ...options,
      Cmd: processArgv(proc),
      ...(proc.user ? { User: proc.user } : {}),
      Env: [...(options.Env ?? []), ...toEnvList(proc.env ?? {})],
      Tty: proc.tty,
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    }, {
      // Removed by the engine once it ends, even when the API is gone by then (a stopped or crashed API).
      AutoRemove: true,
    });
    try {
      await engine(container.putArchive(await environmentArchive(spec.env), { path: APP_HOME }));
    } catch (err) {
      await engineUnless404(container.remove({ force: true })).catch(() => undefined);
      throw err;
    }
    return startOneOff(container, proc);
  }

  stats(id: string): Promise<InstanceStats | null> {
    return containerStats(this.docker, id);
  }

  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const stream = (await engine(
      this.docker.getEvents({
        filters: {
          type: ['container'],
          label: Object.entries(this.labels).map(([k, v]) => `${k}=${v}`),
          event: ['start', 'die', 'destroy', 'restart', 'oom', 'kill', 'stop'],
        },
      }),
    )) as Readable;
    const abort = (): void => void stream.destroy();
    signal.addEventListener('abort', abort, { once: true });
    let partial = '';
    try {
      for await (const chunk of stream) {
        const lines = (partial + (chunk as Buffer).toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (line.trim() === '') continue;
          const e = JSON.parse(line) as { id?: string; Action?: string; status?: string; Actor?: { Attributes?: Record<string, string> } };
          const attrs = e.Actor?.Attributes ?? {};
          if (attrs[LABEL.oneOff] === '1') continue;
          yield { app: attrs[LABEL.app] ?? '', id: e.id ?? '', action: (e.Action ?? e.status ?? '').split(':')[0] ?? '' };
        }
      }
    } catch (err) {
      if (!signal.aborted) throw toEngineError(err);
    } finally {
      signal.removeEventListener('abort', abort);
      stream.destroy();
    }
  }

  private get dataContext(): data.DataServiceContext {
    return { docker: this.docker, platform: this.platform, labels: this.labels, logConfig: this.logConfig, ensureNetwork: (app) => this.ensureNetwork(app) };
  }

  startDataService(spec: DataServiceSpec): Promise<DataServiceState> {
    return data.startDataService(this.dataContext, spec);
  }

  findDataService(app: string, service: string): Promise<DataServiceState | null> {
    return data.findDataService(this.dataContext, app, service);
  }

  listDataServices(app: string): Promise<DataServiceState[]> {
    return data.listDataServices(this.dataContext, app);
  }

  removeDataService(app: string, service: string, opts: { volume: boolean }): Promise<void> {
    return data.removeDataService(this.dataContext, app, service, opts);
  }

  async removeAppImages(app: string, keep: readonly string[] = []): Promise<number> {
    const images = await engine(
      this.docker.listImages({ filters: { label: [`${LABEL.app}=${app}`, `${LABEL.platform}=${this.platform}`] } }),
    );
    let removed = 0;
    for (const image of images) {
      if (keep.includes(image.Id)) continue;
      // Not forced when keeping some: an image a container still uses stays.
      await (keep.length === 0
        ? engineUnless404(this.docker.getImage(image.Id).remove({ force: true }))
        : this.docker.getImage(image.Id).remove().catch(() => undefined));
      removed++;
    }
    return removed;
  }

  async listAppImages(app: string): Promise<string[]> {
    const images = await engine(
      this.docker.listImages({ filters: { label: [`${LABEL.app}=${app}`, `${LABEL.platform}=${this.platform}`] } }),
    );
    return images.map((i) => i.Id);
  }

  async removeImages(ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) {
      // Not forced: an image a container still uses stays.
      if (await this.docker.getImage(id).remove().then(() => true, () => false)) removed++;
    }
    return removed;
  }

  async imageContent(ref: string): Promise<string | null> {
    const info = await engineUnless404(this.docker.getImage(ref).inspect());
    if (info === undefined) return null;
    const c = info.Config;
    const content = { layers: info.RootFS?.Layers ?? [], cmd: c?.Cmd, entrypoint: c?.Entrypoint, env: c?.Env, dir: c?.WorkingDir, user: c?.User };
    return createHash('sha256').update(JSON.stringify(content)).digest('hex');
  }

  private async createContainer(
    name: string,
    image: string,
    options: Dockerode.ContainerCreateOptions,
    hostConfig: Dockerode.HostConfig = {},
  ): Promise<Dockerode.Container> {
    try {
      return await this.docker.createContainer({ ...options, HostConfig: { ...options.HostConfig, ...hostConfig } });
    } catch (err) {
      const status = statusCodeOf(err);
      if (status === 409) {
        throw new PaasError('DEPLOY_FAILED', `a container named ${name} already exists`, {
          hint: 'a previous start of this instance was left behind; stop it first',
          cause: err,
        });
      }
      if (status === 404) {
        throw new PaasError('DEPLOY_FAILED', `image ${image} not found for ${name}`, { cause: err });
      }
      throw toEngineError(err);
    }
  }
}
