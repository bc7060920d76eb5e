import type Dockerode from 'dockerode';
import { PaasError } from '@paas/core';
import { demuxFrames, splitLines } from './demux.js';
import { engine, engineUnless404, statusCodeOf, toEngineError } from './engine-errors.js';
import { toEnvList } from './env-list.js';
import { APP_HOME, environmentArchive } from './environment-archive.js';
import { execInInstance } from './exec-instance.js';
import { toInstanceState } from './instance-state.js';
import { LABEL, containerName, instanceName, networkName } from './names.js';
import type { ExecResult, InstanceSpec, InstanceState, Runtime } from './types.js';

export interface DockerRuntimeOptions {
  /** Added to every container, network and filter of this runtime (tests: paas.test=<run id>). */
  labels?: Record<string, string>;
}

/** The single-machine driver: plain containers on a per-app bridge network. */
export class DockerRuntime implements Runtime {
  private readonly labels: Record<string, string>;

  constructor(private readonly docker: Dockerode, opts: DockerRuntimeOptions = {}) {
    this.labels = { ...opts.labels };
  }

  async ensureNetwork(app: string): Promise<void> {
    const name = networkName(app);
    if (await engineUnless404(this.docker.getNetwork(name).inspect())) return;
    try {
      await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true, // the engine otherwise allows two networks with one name
        Labels: { ...this.labels, [LABEL.app]: app, [LABEL.managed]: '1' },
      });
    } catch (err) {
      if (statusCodeOf(err) === 409) return; // created concurrently
      throw toEngineError(err);
    }
  }

  async removeNetwork(app: string): Promise<void> {
    await engineUnless404(this.docker.getNetwork(networkName(app)).remove());
  }

  async startInstance(spec: InstanceSpec): Promise<InstanceState> {
    const env = toEnvList(spec.env);
    await this.ensureNetwork(spec.app);
    const name = containerName(spec);
    const network = networkName(spec.app);
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const port of spec.ports) {
      exposed[`${port}/tcp`] = {};
      // Loopback only: the router on this machine is the one way in.
      bindings[`${port}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: '' }];
    }
    const container = await this.createContainer(name, spec.image, {
      name,
      Image: spec.image,
      Env: env,
      ...(spec.command ? { Cmd: spec.command } : {}),
      Labels: {
        ...this.labels,
        ...spec.labels,
        [LABEL.app]: spec.app,
        [LABEL.service]: spec.service,
        [LABEL.release]: spec.release,
        [LABEL.instance]: instanceName(spec.service, spec.index),
        [LABEL.managed]: '1',
      },
      ExposedPorts: exposed,
      HostConfig: {
        PortBindings: bindings,
        // Instances come back after a daemon or machine restart; `paas stop` is the only stop.
        RestartPolicy: { Name: 'unless-stopped' },
        NetworkMode: network,
        // tini as PID 1: apps that ignore SIGTERM as PID 1 still stop, zombies are reaped.
        Init: true,
        ...(spec.memoryBytes !== undefined ? { Memory: spec.memoryBytes } : {}),
        ...(spec.cpuShares !== undefined ? { CpuShares: spec.cpuShares } : {}),
      },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: spec.aliases ?? [] } } },
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

  async stopInstance(id: string, graceMs: number): Promise<void> {
    const container = this.docker.getContainer(id);
    try {
      // The engine sends SIGTERM, waits t seconds, then SIGKILL.
      await container.stop({ t: Math.max(0, Math.ceil(graceMs / 1000)) });
    } catch (err) {
      const status = statusCodeOf(err);
      if (status === 404) return;
      if (status !== 304) throw toEngineError(err); // 304: already stopped
    }
    try {
      await container.remove({ v: false, force: true }); // data lives in named volumes, kept
    } catch (err) {
      const status = statusCodeOf(err);
      if (status === 404 || status === 409) return; // gone, or removal already in progress
      throw toEngineError(err);
    }
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

  async removeAppImages(app: string, keep: readonly string[] = []): Promise<number> {
    const images = await engine(this.docker.listImages({ filters: { label: [`${LABEL.app}=${app}`] } }));
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

  private async createContainer(name: string, image: string, options: Dockerode.ContainerCreateOptions): Promise<Dockerode.Container> {
    try {
      return await this.docker.createContainer(options);
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
