import { createHash } from 'node:crypto';
import type Dockerode from 'dockerode';
import type { Readable } from 'node:stream';
import { PaasError } from '@paas/core';
import { containerStats, DEFAULT_PIDS } from './container-options.js';
import { DockerRuntime } from './docker-runtime.js';
import { execProcess } from './docker-process.js';
import { sharedInFlight } from './in-flight.js';
import { engine, engineUnless404, statusCodeOf, toEngineError } from './engine-errors.js';
import { toEnvList } from './env-list.js';
import { APP_HOME, APP_UID } from './environment-archive.js';
import { execInInstance } from './exec-instance.js';
import { labelFilter, ownedBy } from './labels.js';
import * as data from './swarm-data-services.js';
import { listSwarmNodes, setSwarmNodeAvailability, swarmJoinCommand } from './swarm-nodes.js';
import { pullOnNode } from '../images/distribute.js';
import { LABEL, containerName, instanceName, networkName } from './names.js';
import { byNewest, runningTask, swarmName, taskTrouble, toSwarmInstanceState, type NodeAddress, type SwarmService, type SwarmTask } from './swarm-state.js';
import type {
  DataServiceSpec, DataServiceState, ExecResult, InstanceSpec, InstanceState, InstanceStats, LogLine, LogOptions, NodeAvailability, NodeInfo, ProcessSession, ProcessSpec, Runtime, RuntimeEvent,
} from './types.js';

export interface SwarmRuntimeOptions {
  platformId: string;
  /** The engine images are built on (DOCKER_HOST); the manager's when not given. */
  builder?: Dockerode;
  /** Added to every service, secret, network and filter (tests: paas.test=<run id>). */
  labels?: Record<string, string>;
  /** Node host name → that node's engine (PAAS_SWARM_ENGINES); the manager's own needs none. */
  engines?: Map<string, Dockerode>;
  /**
   * Makes an image of the manager's engine pullable by every node and
   * returns the reference to run (registry@sha256:…). The identity when
   * every node has the image already.
   */
  publishImage(ref: string, app: string, service: string): Promise<string>;
  logMaxBytes?: number;
  logMaxFiles?: number;
  /** How long a new task may take to run (image pull included). */
  startTimeoutMs?: number;
}

/**
 * The many-machine driver (architecture.md "Scheduler and runtime
 * drivers"): each instance is a one-replica Swarm service, so paas, not
 * Swarm, chooses which instance goes on a scale-down or a drain, and drains
 * it from the router first; Swarm places it, and starts it again elsewhere
 * when its node dies. Tasks publish their ports in host mode on their
 * node's address (no IPVS, so no routing mesh, and `dnsrr`); the router
 * targets them there. The app's network is an attachable overlay.
 * Images are built on the manager and reach the nodes by digest through
 * the registry (`publishImage`).
 */
export class SwarmRuntime implements Runtime {
  private readonly platform: string;
  private readonly labels: Record<string, string>;
  private readonly engines: Map<string, Dockerode>;
  private readonly logDriver: { Name: string; Options: Record<string, string> };
  /** The manager's engine as a single-engine driver, for one-off containers. */
  private readonly local: DockerRuntime;
  /** The build engine as a single-engine driver, for images. */
  private readonly images: DockerRuntime;
  private readonly published = new Map<string, Promise<string>>();
  private nodeCache: { at: number; nodes: Promise<Map<string, NodeAddress>> } | undefined;
  private managerNode: Promise<{ id: string; name: string }> | undefined;

  constructor(private readonly docker: Dockerode, private readonly opts: SwarmRuntimeOptions) {
    this.platform = opts.platformId;
    this.labels = { ...opts.labels, [LABEL.platform]: opts.platformId };
    this.engines = opts.engines ?? new Map();
    this.logDriver = {
      Name: 'json-file',
      Options: { 'max-size': String(opts.logMaxBytes ?? 10 * 1024 * 1024), 'max-file': String(opts.logMaxFiles ?? 3) },
    };
    this.local = new DockerRuntime(docker, {
      platformId: opts.platformId,
      ...(opts.labels ? { labels: opts.labels } : {}),
      oneOffNetwork: { name: (app) => networkName(this.platform, app), ensure: (app) => this.ensureNetwork(app) },
    });
    this.images = opts.builder ? new DockerRuntime(opts.builder, { platformId: opts.platformId, ...(opts.labels ? { labels: opts.labels } : {}) }) : this.local;
  }

  private readonly creatingNetworks = new Map<string, Promise<void>>();

  ensureNetwork(app: string): Promise<void> {
    return sharedInFlight(this.creatingNetworks, app, () => this.createNetwork(app));
  }

  private async createNetwork(app: string): Promise<void> {
    const name = networkName(this.platform, app);
    const found = await engine(this.docker.listNetworks({ filters: { name: [name] } }));
    if (found.some((n) => n.Name === name)) return;
    await engine(
      this.docker.createNetwork({
        Name: name,
        Driver: 'overlay',
        // One-off containers (`paas run`) are plain containers on the manager, attached to it.
        Attachable: true,
        CheckDuplicate: true,
        Labels: { ...this.labels, [LABEL.app]: app, [LABEL.managed]: '1' },
      }),
    ).catch((err: unknown) => {
      if (statusCodeOf(err) !== 409) throw err;
    });
  }

  /** Removes the app's overlay network once its tasks have left it (Swarm detaches them shortly after their services go). */
  async removeNetwork(app: string): Promise<void> {
    await this.local.removeOneOffs(app);
    const network = this.docker.getNetwork(networkName(this.platform, app));
    for (let attempt = 0; ; attempt++) {
      try {
        await network.remove();
        return;
      } catch (err) {
        const status = statusCodeOf(err);
        if (status === 404) return;
        if (attempt >= 40 || (status !== 403 && status !== 409 && status !== 500)) throw toEngineError(err);
        await sleep(500);
      }
    }
  }

  /** The reference every node pulls, published once per image. */
  private publish(ref: string, app: string, service: string): Promise<string> {
    let p = this.published.get(ref);
    if (!p) {
      p = this.opts.publishImage(ref, app, service);
      this.published.set(ref, p);
      p.catch(() => this.published.delete(ref));
    }
    return p;
  }

  async startInstance(spec: InstanceSpec): Promise<InstanceState> {
    await this.ensureNetwork(spec.app);
    const image = await this.publish(spec.image, spec.app, spec.service);
    const name = swarmName(containerName(this.platform, spec));
    const labels = {
      ...spec.labels,
      ...this.labels,
      [LABEL.app]: spec.app,
      [LABEL.service]: spec.service,
      [LABEL.release]: spec.release,
      [LABEL.instance]: instanceName(spec.service, spec.index),
      [LABEL.managed]: '1',
    };
    // ~/environment.json, there before the app's first line runs: a Swarm secret (encrypted in the managers' store, a tmpfs file in the task).
    const secret = await this.createSecret(`${name}-env`, JSON.stringify(spec.env, null, 2) + '\n', labels);
    const limits = spec.limits ?? {};
    let created: { id?: string; ID?: string };
    try {
      created = (await engine(
        this.docker.createService({
          Name: name,
          Labels: labels,
          TaskTemplate: {
            ContainerSpec: {
              Image: image,
              Labels: labels,
              Env: toEnvList(spec.env),
              User: 'app',
              Init: true,
              CapabilityDrop: ['ALL'],
              ...(limits.capAdd && limits.capAdd.length > 0 ? { CapabilityAdd: limits.capAdd } : {}),
              ...(spec.command ? { Args: spec.command } : {}),
              StopGracePeriod: 10e9,
              Secrets: [{ SecretID: secret.id, SecretName: secret.name, File: { Name: `${APP_HOME}/environment.json`, UID: String(APP_UID), GID: String(APP_UID), Mode: 0o600 } }],
            },
            Resources: {
              Limits: {
                ...(limits.cpus !== undefined ? { NanoCPUs: Math.round(limits.cpus * 1e9) } : {}),
                ...(limits.memoryBytes !== undefined ? { MemoryBytes: limits.memoryBytes } : {}),
                Pids: limits.pids ?? DEFAULT_PIDS,
              },
            },
            // Started again wherever Swarm can, also after its node died; `paas scale` to 0 is the only stop.
            RestartPolicy: { Condition: 'any', Delay: 1e9, MaxAttempts: 0 },
            // No constraint for spec.avoidNodes: a node being drained is paused first, so Swarm places nothing
            // there, and a constraint would stay with the instance for good (it could never go back to that
            // node, not even when every other node died).
            Networks: [{ Target: networkName(this.platform, spec.app), Aliases: spec.aliases ?? [] }],
            LogDriver: this.logDriver,
          },
          Mode: { Replicated: { Replicas: 1 } },
          EndpointSpec: {
            Mode: 'dnsrr',
            Ports: spec.ports.map((port) => ({ Protocol: 'tcp', TargetPort: port, PublishMode: 'host' })),
          },
        } as unknown as Dockerode.CreateServiceOptions),
      )) as { id?: string; ID?: string };
    } catch (err) {
      await this.removeSecrets(`${name}-env`);
      if (statusCodeOf(err) === 409) {
        throw new PaasError('DEPLOY_FAILED', `a Swarm service named ${name} already exists`, { hint: 'a previous start of this instance was left behind; stop it first', cause: err });
      }
      throw err;
    }
    const id = (created.id ?? created.ID) as string;
    return this.waitStarted(id, name, spec.ports);
  }

  /** Until the task runs with its ports published, or has failed (the deployer reads why from its logs). */
  private async waitStarted(id: string, name: string, ports: number[]): Promise<InstanceState> {
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 120_000);
    for (;;) {
      const state = await this.inspectInstance(id);
      if (!state) throw new PaasError('DEPLOY_FAILED', `${name} disappeared right after it was created`);
      if (state.running && ports.every((p) => state.addresses[p] !== undefined)) return state;
      if (state.restartCount > 0) {
        const tasks = await this.tasksOf(id);
        // A first task that failed to start (a transient engine error) is followed by another a second later:
        // while that one is on its way, and for the first few tries, wait for it rather than report a failure.
        const newest = byNewest(tasks)[0]?.Status.State ?? '';
        if (state.restartCount < 3 && STARTING_STATES.has(newest) && Date.now() < deadline) {
          await sleep(200);
          continue;
        }
        // Refused before the app ran (no such image, no node fits): the engine's reason is the error; an app that exited shows its logs instead.
        if (byNewest(tasks).find((t) => t.Status.State !== 'running')?.Status.State === 'rejected') {
          await this.stopInstance(id, 1_000).catch(() => undefined);
          throw new PaasError('DEPLOY_FAILED', `${name} could not start: ${taskTrouble(tasks) ?? 'rejected'}`, {
            hint: 'paas nodes shows whether nodes are ready; a node that cannot pull from the registry needs its CA (docs/swarm.md)',
          });
        }
        return state;
      }
      if (Date.now() > deadline) {
        const why = taskTrouble(await this.tasksOf(id)) ?? 'no node took its task';
        await this.stopInstance(id, 1_000).catch(() => undefined);
        throw new PaasError('DEPLOY_FAILED', `${name} did not start on any node: ${why}`, {
          hint: 'paas nodes shows whether nodes are ready; a node that cannot pull from the registry needs its CA (docs/swarm.md)',
        });
      }
      await sleep(200);
    }
  }

  /** The secret of an instance: its name carries a hash of the content, so a retried start never meets a stale one. */
  private createSecret(name: string, body: string, labels: Record<string, string>): Promise<{ id: string; name: string }> {
    const full = swarmName(`${name}-${createHash('sha256').update(body).digest('hex').slice(0, 8)}`);
    return data.ensureSecret({ docker: this.docker, labels: this.labels }, full, body, { ...labels, 'paas.secret-of': name });
  }

  private async removeSecrets(of: string): Promise<void> {
    const secrets = (await engine(this.docker.listSecrets({ filters: { label: [`paas.secret-of=${of}`, ...labelFilter(this.labels)] } }))) as { ID: string }[];
    for (const s of secrets) {
      // A secret stays "in use" until the service's tasks are gone.
      for (let attempt = 0; attempt < 20; attempt++) {
        const gone = await this.docker.getSecret(s.ID).remove().then(() => true, (err: unknown) => statusCodeOf(err) === 404);
        if (gone) break;
        await sleep(250);
      }
    }
  }

  private async service(id: string): Promise<SwarmService | null> {
    const info = (await engineUnless404(this.docker.getService(id).inspect())) as SwarmService | undefined;
    if (!info || !ownedBy(info.Spec.Labels ?? {}, this.labels)) return null;
    return info;
  }

  private async tasksOf(serviceId: string): Promise<SwarmTask[]> {
    return (await engine(this.docker.listTasks({ filters: { service: [serviceId] } }))) as SwarmTask[];
  }

  /** Node id → host name and address; read at most every 2 s. */
  private nodes(): Promise<Map<string, NodeAddress>> {
    if (this.nodeCache && Date.now() - this.nodeCache.at < 2_000) return this.nodeCache.nodes;
    const nodes = engine(this.docker.listNodes()).then((list) => {
      const out = new Map<string, NodeAddress>();
      for (const n of list as { ID: string; Description?: { Hostname?: string }; Status?: { Addr?: string }; ManagerStatus?: { Addr?: string } }[]) {
        let address = n.Status?.Addr ?? '';
        if (address === '' || address === '0.0.0.0') address = (n.ManagerStatus?.Addr ?? '').replace(/:\d+$/, '');
        out.set(n.ID, { name: n.Description?.Hostname ?? n.ID, address });
      }
      return out;
    });
    this.nodeCache = { at: Date.now(), nodes };
    nodes.catch(() => (this.nodeCache = undefined));
    return nodes;
  }

  async inspectInstance(id: string): Promise<InstanceState | null> {
    const svc = await this.service(id);
    if (!svc || svc.Spec.Labels?.[LABEL.managed] !== '1') return null;
    const [tasks, nodes] = await Promise.all([this.tasksOf(svc.ID), this.nodes()]);
    return this.withPorts(svc, tasks, toSwarmInstanceState(svc, tasks, nodes), nodes);
  }

  /**
   * A task keeps running on its node while the manager restarts, but the
   * manager that comes back may know it without its published ports (an
   * empty PortStatus): they are read from the task's container then.
   */
  private async withPorts(svc: SwarmService, tasks: SwarmTask[], state: InstanceState, nodes: Map<string, NodeAddress>): Promise<InstanceState> {
    const wanted = ((svc.Spec as { EndpointSpec?: { Ports?: { TargetPort: number }[] } }).EndpointSpec?.Ports ?? []).map((p) => p.TargetPort);
    if (!state.running || wanted.every((p) => state.addresses[p] !== undefined)) return state;
    const task = runningTask(tasks);
    const where = task?.NodeID === undefined ? undefined : nodes.get(task.NodeID);
    const container = task?.Status.ContainerStatus?.ContainerID;
    if (!task?.NodeID || !where || !container) return state;
    const docker = await this.engineOf(task.NodeID, where.name).catch(() => undefined);
    const info = docker ? await engineUnless404(docker.getContainer(container).inspect()).catch(() => undefined) : undefined;
    const addresses = { ...state.addresses };
    for (const [key, bindings] of Object.entries(info?.NetworkSettings?.Ports ?? {})) {
      const [port, proto] = key.split('/');
      const host = bindings?.find((b) => b.HostPort)?.HostPort;
      if (proto === 'tcp' && host) addresses[Number(port)] = { host: where.address, port: Number(host) };
    }
    return { ...state, addresses };
  }

  async listInstances(filter: { app?: string; service?: string; release?: string }): Promise<InstanceState[]> {
    const wanted: Record<string, string> = { ...this.labels, [LABEL.managed]: '1' };
    if (filter.app !== undefined) wanted[LABEL.app] = filter.app;
    if (filter.service !== undefined) wanted[LABEL.service] = filter.service;
    if (filter.release !== undefined) wanted[LABEL.release] = filter.release;
    const services = (await engine(this.docker.listServices({ filters: { label: labelFilter(wanted) } }))) as unknown as SwarmService[];
    if (services.length === 0) return [];
    const [tasks, nodes] = await Promise.all([engine(this.docker.listTasks()) as Promise<SwarmTask[]>, this.nodes()]);
    const byService = new Map<string, SwarmTask[]>();
    for (const t of tasks) byService.set(t.ServiceID, [...(byService.get(t.ServiceID) ?? []), t]);
    const states = await Promise.all(services.map((s) => this.withPorts(s, byService.get(s.ID) ?? [], toSwarmInstanceState(s, byService.get(s.ID) ?? [], nodes), nodes)));
    return states
      .sort((a, b) => a.service.localeCompare(b.service) || a.index - b.index || a.release.localeCompare(b.release));
  }

  /** The engine and container of the service's running task: the manager's own, or the node's from PAAS_SWARM_ENGINES. */
  private async container(id: string): Promise<{ docker: Dockerode; container: string; node: string }> {
    const task = runningTask(await this.tasksOf(id).catch((err: unknown) => (statusCodeOf(err) === 404 ? [] : Promise.reject(err))));
    const container = task?.Status.ContainerStatus?.ContainerID;
    if (!task || !container || !task.NodeID) {
      throw new PaasError('INSTANCE_NOT_FOUND', 'the instance does not run on any node now', { hint: 'paas ps shows where instances run' });
    }
    const node = (await this.nodes()).get(task.NodeID)?.name ?? task.NodeID;
    return { docker: await this.engineOf(task.NodeID, node), container, node };
  }

  /** The manager's own node: its id and host name. */
  private manager(): Promise<{ id: string; name: string }> {
    this.managerNode ??= engine(this.docker.info()).then((i) => {
      const info = i as { Name?: string; Swarm?: { NodeID?: string } };
      return { id: info.Swarm?.NodeID ?? '', name: info.Name ?? '' };
    });
    this.managerNode.catch(() => (this.managerNode = undefined));
    return this.managerNode;
  }

  private async managerName(): Promise<string> {
    return (await this.manager()).name;
  }

  private async engineOf(nodeId: string, name: string): Promise<Dockerode> {
    if ((await this.manager()).id === nodeId) return this.docker;
    const other = this.engines.get(name);
    if (other) return other;
    throw new PaasError('ENGINE_UNAVAILABLE', `the API cannot reach the engine of node ${name}`, {
      hint: `name it in PAAS_SWARM_ENGINES (${name}=unix:///… or ${name}=tcp://ADDRESS:PORT), see docs/swarm.md`,
    });
  }

  async exec(id: string, command: string, timeoutMs: number): Promise<ExecResult> {
    const c = await this.container(id);
    return execInInstance(c.docker, c.container, command, timeoutMs);
  }

  async attach(id: string, proc: ProcessSpec): Promise<ProcessSession> {
    const c = await this.container(id);
    return execProcess(c.docker, c.container, proc);
  }

  /** One-off containers run on the manager, attached to the app's overlay, from the image by digest. */
  async runOneOff(spec: InstanceSpec, proc: ProcessSpec): Promise<ProcessSession> {
    // A plain container joins an overlay through a task the scheduler places: on a paused or drained manager it never is.
    const manager = await this.manager();
    const node = (await engine(this.docker.getNode(manager.id).inspect())) as { Spec?: { Availability?: string } };
    const availability = node.Spec?.Availability ?? 'active';
    if (availability !== 'active') {
      throw new PaasError('MANAGER_UNAVAILABLE', `one-off containers run on the manager node ${manager.name}, which is ${availability === 'drain' ? 'drained' : 'paused'}`, {
        hint: `paas nodes activate ${manager.name}, or scale ${spec.service} to 1 and run the command in its instance`,
      });
    }
    const image = await this.publish(spec.image, spec.app, spec.service);
    await pullMissing(this.docker, image);
    return this.local.runOneOff({ ...spec, image }, proc);
  }

  async stats(id: string): Promise<InstanceStats | null> {
    const c = await this.container(id).catch(() => undefined);
    return c ? containerStats(c.docker, c.container) : null;
  }

  /** Scales the service to 0: Swarm sends SIGTERM, then SIGKILL after the grace period; logs stay readable until removeInstance. */
  async haltInstance(id: string, graceMs: number): Promise<void> {
    const svc = await this.service(id);
    if (!svc) return;
    const spec = svc.Spec as Record<string, unknown> & { TaskTemplate?: { ContainerSpec?: Record<string, unknown> } };
    if ((svc.Spec.Mode?.Replicated?.Replicas ?? 0) > 0) {
      const template = spec.TaskTemplate ?? {};
      await engine(
        this.docker.getService(id).update({
          version: svc.Version.Index,
          ...spec,
          TaskTemplate: { ...template, ContainerSpec: { ...template.ContainerSpec, StopGracePeriod: Math.max(0, graceMs) * 1e6 } },
          Mode: { Replicated: { Replicas: 0 } },
        }),
      ).catch((err: unknown) => {
        if (statusCodeOf(err) !== 404) throw err;
      });
    }
    const deadline = Date.now() + graceMs + 15_000;
    while (Date.now() < deadline) {
      const tasks = await this.tasksOf(id).catch(() => []);
      if (!tasks.some((t) => ['running', 'starting', 'preparing', 'assigned', 'accepted', 'pending', 'new', 'ready'].includes(t.Status.State))) return;
      await sleep(200);
    }
  }

  async removeInstance(id: string): Promise<void> {
    const svc = await this.service(id);
    if (!svc) return;
    // A service scaled to 0 is removed once the task reaper has deleted its shut-down tasks: removing it
    // while the reaper deletes them makes 20.10's orchestrator dereference a deleted task and the manager's
    // engine panic (swarmkit SetServiceTasksRemove, seen in the swarm tests after a retire).
    if ((svc.Spec.Mode?.Replicated?.Replicas ?? 0) === 0) {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await this.tasksOf(id).catch(() => [])).length > 0) await sleep(250);
    }
    await engineUnless404(this.docker.getService(id).remove());
    await this.removeSecrets(`${svc.Spec.Name}-env`);
  }

  async stopInstance(id: string, graceMs: number): Promise<void> {
    await this.haltInstance(id, graceMs);
    await this.removeInstance(id);
  }

  /**
   * The task containers of a service, oldest first, each with the engine of
   * its node, for reading logs where they are written. Logs go through the
   * nodes' engines rather than the manager's service logs: a service removed
   * while the manager streams its logs can take the manager's engine down
   * with it (seen on 20.10 under deploys).
   */
  private async logSources(id: string): Promise<{ docker: Dockerode; container: string }[] | null> {
    const tasks = await this.tasksOf(id).catch((err: unknown) => (statusCodeOf(err) === 404 ? null : Promise.reject(err)));
    if (tasks === null) return null;
    const nodes = await this.nodes();
    const out: { docker: Dockerode; container: string }[] = [];
    for (const t of byNewest(tasks).reverse()) {
      const container = t.Status.ContainerStatus?.ContainerID;
      const node = t.NodeID === undefined ? undefined : nodes.get(t.NodeID);
      if (!container || !t.NodeID || !node) continue;
      const docker = await this.engineOf(t.NodeID, node.name).catch(() => undefined);
      if (docker) out.push({ docker, container });
    }
    return out;
  }

  async tailLogs(id: string, lines: number): Promise<string[]> {
    if (lines <= 0) return [];
    const out: string[] = [];
    for await (const line of this.logs(id, { tail: lines })) out.push(line.text);
    return out.slice(-lines);
  }

  /**
   * The lines of all the service's tasks, read from their containers on
   * their nodes (a task on a node the API cannot reach is left out). With
   * follow, the running task's container is followed, and the next one's
   * after a restart, until the service is removed.
   */
  async *logs(id: string, opts: LogOptions): AsyncIterable<LogLine> {
    const sources = await this.logSources(id);
    if (sources === null) return;
    let last: string | undefined;
    const history: LogLine[] = [];
    for (const source of sources) {
      const runtime = new DockerRuntime(source.docker, { platformId: this.platform, labels: this.labels });
      for await (const line of runtime.logs(source.container, { ...(opts.since ? { since: opts.since } : {}), ...(opts.tail !== undefined ? { tail: opts.tail } : {}) })) history.push(line);
    }
    history.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    for (const line of opts.tail !== undefined ? history.slice(-opts.tail) : history) {
      last = line.time;
      yield line;
    }
    if (opts.follow !== true) return;
    let followed: string | undefined;
    while (!opts.signal?.aborted) {
      const svc = await this.service(id).catch(() => undefined);
      if (svc === null) return;
      const task = runningTask(await this.tasksOf(id).catch(() => []));
      const container = task?.Status.ContainerStatus?.ContainerID;
      const node = task?.NodeID === undefined ? undefined : (await this.nodes()).get(task.NodeID);
      const docker = task?.NodeID && node ? await this.engineOf(task.NodeID, node.name).catch(() => undefined) : undefined;
      if (!container || !docker || container === followed) {
        await sleep(1_000);
        continue;
      }
      followed = container;
      const runtime = new DockerRuntime(docker, { platformId: this.platform, labels: this.labels });
      const since = last === undefined ? opts.since : new Date(Date.parse(last));
      try {
        for await (const line of runtime.logs(container, { follow: true, ...(since ? { since } : {}), ...(opts.signal ? { signal: opts.signal } : {}) })) {
          // Lines already given (the engine's `since` is coarse) are skipped by their time.
          if (last !== undefined && line.time <= last) continue;
          last = line.time;
          yield line;
        }
      } catch {
        // The node's engine went away with its node: the task's next container, wherever Swarm starts it, is followed.
        await sleep(1_000);
      }
    }
  }

  async lastExitCode(id: string): Promise<number | null> {
    const ended = byNewest(await this.tasksOf(id).catch(() => [])).find((t) => t.Status.ContainerStatus?.ExitCode !== undefined && t.Status.State !== 'running');
    return ended?.Status.ContainerStatus?.ExitCode ?? null;
  }

  /**
   * Container events of this platform from every node's engine (the
   * manager's and PAAS_SWARM_ENGINES'), as wake-ups for the reconciler. A
   * node's engine that goes away is followed again every 2 s; the stream
   * ends when the manager's does.
   */
  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const queue: RuntimeEvent[] = [];
    let wake: (() => void) | undefined;
    let ended: unknown = null;
    let done = false;
    const push = (e: RuntimeEvent): void => {
      queue.push(e);
      wake?.();
    };
    const local = new AbortController();
    const stop = (): void => local.abort();
    signal.addEventListener('abort', stop, { once: true });
    const follow = async (docker: Dockerode, isManager: boolean): Promise<void> => {
      const runtime = new DockerRuntime(docker, { platformId: this.platform, labels: this.labels });
      for (;;) {
        try {
          for await (const e of runtime.events(local.signal)) push(e);
          if (isManager) break;
        } catch (err) {
          if (isManager) {
            ended = err;
            break;
          }
        }
        if (local.signal.aborted) return;
        await sleep(2_000);
        if (local.signal.aborted) return;
      }
      done = true;
      wake?.();
    };
    void follow(this.docker, true);
    for (const other of this.engines.values()) void follow(other, false);
    try {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (done) {
          if (ended) throw ended;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      local.abort();
      signal.removeEventListener('abort', stop);
    }
  }

  /** Data services: one-replica services pinned to the node that holds their volume (swarm-data-services.ts). */
  private async dataContext(app: string, service: string): Promise<data.SwarmDataContext> {
    const managerName = await this.managerName();
    return {
      docker: this.docker,
      platform: this.platform,
      labels: this.labels,
      logConfig: { Type: this.logDriver.Name, Config: this.logDriver.Options },
      ensureNetwork: (a) => this.ensureNetwork(a),
      resolveImage: (ref) => this.publish(ref, app, service),
      engineFor: (node) => (node === managerName ? this.docker : this.engines.get(node)),
    };
  }

  async startDataService(spec: DataServiceSpec): Promise<DataServiceState> {
    return data.startDataService(await this.dataContext(spec.app, spec.service), spec);
  }

  async findDataService(app: string, service: string): Promise<DataServiceState | null> {
    return data.findDataService(await this.dataContext(app, service), app, service);
  }

  async listDataServices(app: string): Promise<DataServiceState[]> {
    return data.listDataServices(await this.dataContext(app, ''), app);
  }

  async removeDataService(app: string, service: string, opts: { volume: boolean }): Promise<void> {
    return data.removeDataService(await this.dataContext(app, service), app, service, opts);
  }

  listNodes(): Promise<NodeInfo[]> {
    return listSwarmNodes(this.docker);
  }

  setNodeAvailability(node: string, availability: NodeAvailability): Promise<void> {
    return setSwarmNodeAvailability(this.docker, node, availability);
  }

  joinCommand(): Promise<string> {
    return swarmJoinCommand(this.docker);
  }

  removeAppImages(app: string, keep?: readonly string[]): Promise<number> {
    return this.images.removeAppImages(app, keep);
  }

  listAppImages(app: string): Promise<string[]> {
    return this.images.listAppImages(app);
  }

  removeImages(ids: readonly string[]): Promise<number> {
    return this.images.removeImages(ids);
  }

  imageContent(ref: string): Promise<string | null> {
    return this.images.imageContent(ref);
  }
}

/** Pulls a reference by digest unless the engine has it (a plain container does not pull by itself). */
async function pullMissing(docker: Dockerode, ref: string): Promise<void> {
  if (await docker.getImage(ref).inspect().then(() => true, () => false)) return;
  await pullOnNode(docker, ref);
}

/** Task states on the way to running (docs.docker.com "Swarm task states"). */
const STARTING_STATES = new Set(['new', 'pending', 'assigned', 'accepted', 'ready', 'preparing', 'starting', 'running']);

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
