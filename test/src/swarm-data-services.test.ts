import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataServiceName, networkName } from '../../apps/api/dist/runtime/names.js';
import {
  findDataService,
  listDataServices,
  removeDataService,
  startDataService,
  type SwarmDataContext,
} from '../../apps/api/dist/runtime/swarm-data-services.js';
import type { DataServiceSpec, DataServiceState } from '../../apps/api/dist/runtime/types.js';
import { serviceDefinition } from '../../services/dist/index.js';
import { LAB_SCRIPT, run, type Ran } from './harness/lab.js';
import { assertDocker } from './harness/docker.js';

// The Swarm driver's data services on a two-node lab of their own (name,
// subnet and directory apart from any other lab): a redis pinned to a node,
// its credentials file a secret in place before the first start, its data
// kept across a new task and a scale to zero, a foreign service of the same
// name left alone, and nothing left after removal with the volume. The main
// engine is only read from (docker save of the images).
const SCRIPT = LAB_SCRIPT;
const NAME = 'swd';
const PREFIX = '10.213.63';
const DIR = '/var/lib/paas-swd';
const REDIS = serviceDefinition('redis');
const IMAGE = REDIS.image().ref;
const ENV = { ...process.env, PAAS_LAB_NAME: NAME, PAAS_LAB_SUBNET: `${PREFIX}.0/24`, PAAS_LAB_DIR: DIR, PAAS_LAB_NODES: '2', PAAS_LAB_IMAGES: IMAGE };
const NODES = [1, 2].map((i) => ({ name: `${NAME}-${i}`, host: `unix://${DIR}/${NAME}-${i}/docker.sock`, docker: new Docker({ socketPath: `${DIR}/${NAME}-${i}/docker.sock` }) }));
const MANAGER = NODES[0]!;
const RUN = `swd${randomBytes(4).toString('hex')}`;
const PLATFORM = RUN;
const APP = 'blog';
const LABELS = { 'paas.platform': PLATFORM, 'paas.test': RUN };
const PASSWORD = `pw${randomBytes(8).toString('hex')}`;
const ADMIN_PASSWORD = `adm${randomBytes(8).toString('hex')}`;
const MIB = 1024 * 1024;

const lab = (...args: string[]): Promise<Ran> => run('bash', [SCRIPT, ...args], ENV);
const on = (host: string, ...args: string[]): Promise<Ran> => run('docker', ['-H', host, ...args], process.env, 60_000);
const nodeNamed = (name: string | undefined) => {
  const node = NODES.find((n) => n.name === name);
  if (!node) throw new Error(`no lab node ${name}`);
  return node;
};

async function waitUntil<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const ctx: SwarmDataContext = {
  docker: MANAGER.docker,
  platform: PLATFORM,
  labels: LABELS,
  logConfig: { Type: 'json-file', Config: { 'max-size': '1m' } },
  async ensureNetwork(app: string) {
    try {
      await MANAGER.docker.createNetwork({ Name: networkName(PLATFORM, app), Driver: 'overlay', Attachable: true, Labels: LABELS });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409) throw err;
    }
  },
  resolveImage: async (ref: string) => ref, // the image is loaded on every node of the lab
  engineFor: (node: string) => NODES.find((n) => n.name === node)?.docker,
};

const initEnv = `PAAS_SERVICE_LOGIN='paas'\nPAAS_SERVICE_PASSWORD='${PASSWORD}'\nPAAS_SERVICE_ADMIN_PASSWORD='${ADMIN_PASSWORD}'\n`;
const redisSpec = (service: string, user: string): DataServiceSpec => ({
  app: APP,
  service,
  type: 'redis',
  image: IMAGE,
  user,
  dataPath: REDIS.dataPath,
  port: REDIS.port,
  memoryBytes: 128 * MIB,
  capAdd: [],
  file: { dir: '/etc/paas-service', name: 'init.env', body: initEnv },
  labels: { 'paas.test': RUN },
});

/** The running container of a service's task on a node, or null. */
async function taskContainer(node: { host: string }, service: string): Promise<string | null> {
  const ps = await on(node.host, 'ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`, '--filter', 'status=running');
  return ps.stdout.trim().split('\n').filter(Boolean)[0] ?? null;
}

/** redis-cli in the service's running container; with a password unless null. */
async function redisCli(state: DataServiceState, password: string | null, ...args: string[]): Promise<string> {
  const node = nodeNamed(state.node);
  const container = await taskContainer(node, state.name);
  if (!container) return '(no container)';
  const auth = password === null ? [] : ['-e', `REDISCLI_AUTH=${password}`];
  const r = await on(node.host, 'exec', ...auth, container, 'redis-cli', '--no-auth-warning', '-h', '127.0.0.1', ...args);
  return `${r.stdout}${r.stderr}`.trim();
}

describe('the Swarm driver’s data services, on a two-node lab', () => {
  const name = dataServiceName(PLATFORM, APP, 'data');
  let first: DataServiceState;
  let firstContainer = '';

  beforeAll(async () => {
    await assertDocker();
    const image = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', IMAGE]);
    expect(image.code, `no ${IMAGE} on the main engine: build it (a redis data service of any platform does)`).toBe(0);
    const up = await lab('up');
    expect(up.code, up.stderr).toBe(0);
  });

  afterAll(async () => {
    // Everything the test made carries paas.test=RUN; the lab goes as a whole afterwards.
    const filter = `label=paas.test=${RUN}`;
    const ids = async (host: string, ...args: string[]) => (await on(host, ...args, '-q', '--filter', filter)).stdout.split('\n').filter(Boolean);
    const services = await ids(MANAGER.host, 'service', 'ls');
    if (services.length) await on(MANAGER.host, 'service', 'rm', ...services);
    for (const node of NODES) {
      const containers = await ids(node.host, 'ps', '-a');
      if (containers.length) await on(node.host, 'rm', '-f', ...containers);
    }
    const secrets = await ids(MANAGER.host, 'secret', 'ls');
    if (secrets.length) await on(MANAGER.host, 'secret', 'rm', ...secrets);
    for (const node of NODES) {
      const volumes = await ids(node.host, 'volume', 'ls');
      if (volumes.length) await on(node.host, 'volume', 'rm', '-f', ...volumes);
    }
    const networks = await ids(MANAGER.host, 'network', 'ls');
    if (networks.length) await on(MANAGER.host, 'network', 'rm', ...networks);
    await lab('down');
    await rm(DIR, { recursive: true, force: true });
  });

  it('starts a redis pinned to a node, hardened, its credentials file in place before the first start', async () => {
    const t0 = Date.now();
    // A user name: its ids come from the image (id -u / id -g in a short container on the manager).
    first = await startDataService(ctx, redisSpec('data', 'redis'));
    const startMs = Date.now() - t0;
    expect(NODES.map((n) => n.name)).toContain(first.node);
    expect(first).toMatchObject({ name, app: APP, service: 'data', type: 'redis', volume: name });

    const info = await MANAGER.docker.getService(name).inspect();
    expect(first.id).toBe(info.ID);
    const spec = info.Spec;
    expect(spec.Labels).toMatchObject({ ...LABELS, 'paas.app': APP, 'paas.service': 'data', 'paas.data': 'redis', 'paas.node': first.node });
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 1 } });
    expect(spec.EndpointSpec).toEqual({ Mode: 'dnsrr' });
    const task = spec.TaskTemplate;
    expect(task.Placement.Constraints).toEqual([`node.hostname==${first.node}`]);
    expect(task.Networks).toEqual([{ Target: expect.any(String), Aliases: ['data'] }]);
    expect(task.RestartPolicy).toMatchObject({ Condition: 'any' });
    expect(task.Resources.Limits).toEqual({ MemoryBytes: 128 * MIB, Pids: 512 });
    expect(task.LogDriver).toEqual({ Name: 'json-file', Options: { 'max-size': '1m' } });
    expect(task.ContainerSpec).toMatchObject({ User: 'redis', Init: true, CapabilityDrop: ['ALL'], StopGracePeriod: 10_000_000_000, Hostname: 'data' });
    expect(task.ContainerSpec.Labels).toMatchObject({ ...LABELS, 'paas.app': APP, 'paas.service': 'data', 'paas.data': 'redis' });
    expect(task.ContainerSpec.Secrets).toEqual([
      expect.objectContaining({ File: { Name: '/etc/paas-service/init.env', UID: '903', GID: '903', Mode: 0o600 } }),
    ]);

    // The task's container runs on the pinned node, and only there, with the limits the engine applied.
    const node = nodeNamed(first.node);
    const other = NODES.find((n) => n !== node)!;
    firstContainer = await waitUntil('the task to run on its node', () => taskContainer(node, name));
    expect(await taskContainer(other, name)).toBeNull();
    const host = await node.docker.getContainer(firstContainer).inspect();
    expect(host.HostConfig).toMatchObject({ Init: true, CapDrop: ['ALL'], PidsLimit: 512, Memory: 128 * MIB });
    expect(host.Mounts.find((m) => m.Type === 'volume')).toMatchObject({ Name: name, Destination: REDIS.dataPath });

    const readyMs = await waitUntil('redis to answer', async () => ((await redisCli(first, PASSWORD, 'PING')) === 'PONG' ? Date.now() - t0 : null));
    console.log(`swarm data service: startDataService ${startMs} ms, redis answering ${readyMs} ms after the call`);

    // The file: the server's user owns it, mode 0600, with the body given.
    const stat = await on(node.host, 'exec', firstContainer, 'sh', '-c', 'id -u; stat -c "%u:%g %a" /etc/paas-service/init.env; cat /etc/paas-service/init.env');
    expect(stat.code, stat.stderr).toBe(0);
    expect(stat.stdout).toBe(`903\n903:903 600\n${initEnv}`);
    // The server took its password from it: no password, a wrong one, the right one.
    expect(await redisCli(first, null, 'PING')).toContain('NOAUTH');
    expect(await redisCli(first, 'wrong', 'PING')).toMatch(/WRONGPASS|invalid/i);
    expect(await redisCli(first, PASSWORD, 'PING')).toBe('PONG');

    const found = await findDataService(ctx, APP, 'data');
    expect(found).toMatchObject({ id: first.id, node: first.node, running: true, restarting: false, exitCode: null, restartCount: 0 });
    expect(found?.startedAt).toBeInstanceOf(Date);
  });

  it('is reached by its service name over the app network from the other node', async () => {
    const other = NODES.find((n) => n.name !== first.node)!;
    const r = await on(
      other.host, 'run', '--rm', '--label', `paas.test=${RUN}`, '--network', networkName(PLATFORM, APP), '-e', `REDISCLI_AUTH=${PASSWORD}`,
      '--entrypoint', 'redis-cli', IMAGE, '--no-auth-warning', '-h', 'data', 'PING',
    );
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('PONG');
  });

  it('keeps its data, node and id across a forced update (a new task on the same volume)', async () => {
    expect(await redisCli(first, PASSWORD, 'SET', 'kept', 'across-restarts')).toBe('OK');
    const update = await on(MANAGER.host, 'service', 'update', '--force', '--detach', '--no-resolve-image', name);
    expect(update.code, update.stderr).toBe(0);
    const node = nodeNamed(first.node);
    const after = await waitUntil('a new task to run', async () => {
      const state = await findDataService(ctx, APP, 'data');
      const container = await taskContainer(node, name);
      return state?.running && container && container !== firstContainer ? state : null;
    });
    expect(after).toMatchObject({ id: first.id, node: first.node, volume: name, running: true });
    expect(after.restartCount).toBeGreaterThanOrEqual(1);
    const value = await waitUntil('redis to answer again', async () => {
      const v = await redisCli(after, PASSWORD, 'GET', 'kept');
      return v.includes('NOAUTH') || v.includes('LOADING') || v.includes('Could not connect') || v === '(no container)' ? null : v;
    });
    expect(value).toBe('across-restarts');
  });

  it('is started again by Swarm after its server is killed, on the same node and data', async () => {
    const node = nodeNamed(first.node);
    const before = await findDataService(ctx, APP, 'data');
    const container = await waitUntil('the running task', () => taskContainer(node, name));
    const kill = await on(node.host, 'kill', container);
    expect(kill.code, kill.stderr).toBe(0);
    const after = await waitUntil('a task after the crash', async () => {
      const state = await findDataService(ctx, APP, 'data');
      const now = await taskContainer(node, name);
      return state?.running && now && now !== container ? state : null;
    });
    expect(after).toMatchObject({ id: first.id, node: first.node, running: true, exitCode: null });
    expect(after.restartCount).toBe((before?.restartCount ?? 0) + 1);
    const value = await waitUntil('redis after the crash', async () => {
      const v = await redisCli(after, PASSWORD, 'GET', 'kept');
      return v === 'across-restarts' ? v : null;
    });
    expect(value).toBe('across-restarts');
  });

  it('a second startDataService returns the same service; one scaled to 0 is scaled back to 1 on its node', async () => {
    const again = await startDataService(ctx, redisSpec('data', 'redis'));
    expect(again).toMatchObject({ id: first.id, node: first.node, running: true });
    expect((await on(MANAGER.host, 'service', 'ls', '-q', '--filter', `name=${name}`)).stdout.trim().split('\n')).toHaveLength(1);

    const scale = await on(MANAGER.host, 'service', 'scale', '--detach', `${name}=0`);
    expect(scale.code, scale.stderr).toBe(0);
    const stopped = await waitUntil('the service to stop', async () => {
      const state = await findDataService(ctx, APP, 'data');
      return state && !state.running && !state.restarting ? state : null;
    });
    expect(stopped.exitCode).not.toBeNull();
    const restarted = await startDataService(ctx, redisSpec('data', 'redis'));
    expect(restarted).toMatchObject({ id: first.id, node: first.node });
    expect((await MANAGER.docker.getService(name).inspect()).Spec.Mode).toEqual({ Replicated: { Replicas: 1 } });
    const value = await waitUntil('redis after the scale back', async () => {
      const state = await findDataService(ctx, APP, 'data');
      if (!state?.running) return null;
      const v = await redisCli(state, PASSWORD, 'GET', 'kept');
      return v === 'across-restarts' ? v : null;
    });
    expect(value).toBe('across-restarts');
  });

  it('places the next data service on the node with fewer, from a numeric user', async () => {
    const second = await startDataService(ctx, redisSpec('cache', '903:903'));
    expect(second.node).toBeDefined();
    expect(second.node).not.toBe(first.node);
    const secrets = (await MANAGER.docker.getService(second.id).inspect()).Spec.TaskTemplate.ContainerSpec.Secrets;
    expect(secrets[0].File).toEqual({ Name: '/etc/paas-service/init.env', UID: '903', GID: '903', Mode: 0o600 });
    const listed = await listDataServices(ctx, APP);
    expect(listed.map((s) => [s.service, s.node])).toEqual([
      ['cache', second.node],
      ['data', first.node],
    ]);
    await removeDataService(ctx, APP, 'cache', { volume: true });
    expect(await findDataService(ctx, APP, 'cache')).toBeNull();
    expect((await nodeNamed(second.node).docker.listVolumes({ filters: { name: [dataServiceName(PLATFORM, APP, 'cache')] } })).Volumes).toEqual([]);
  });

  it('a service of that name that another platform labelled is not ours', async () => {
    const foreign = dataServiceName(PLATFORM, APP, 'other');
    const foreignLabels = { 'paas.test': RUN, 'paas.platform': 'someone-else', 'paas.app': APP, 'paas.service': 'other', 'paas.data': 'redis' };
    await MANAGER.docker.createService({
      Name: foreign,
      Labels: foreignLabels,
      TaskTemplate: { ContainerSpec: { Image: IMAGE, Labels: foreignLabels } },
      Mode: { Replicated: { Replicas: 0 } },
      EndpointSpec: { Mode: 'dnsrr' },
    });
    expect(await findDataService(ctx, APP, 'other')).toBeNull();
    expect((await listDataServices(ctx, APP)).map((s) => s.service)).toEqual(['data']);
    await expect(startDataService(ctx, redisSpec('other', 'redis'))).rejects.toMatchObject({ code: 'DEPLOY_FAILED' });
    await removeDataService(ctx, APP, 'other', { volume: false });
    const still = await MANAGER.docker.getService(foreign).inspect();
    expect(still.Spec.Labels['paas.platform']).toBe('someone-else');
    await MANAGER.docker.getService(still.ID).remove();
  });

  it('a missing image is SERVICE_NOT_READY and leaves no service or secret', async () => {
    const missing = { ...redisSpec('broken', '903:903'), image: `paas-test/no-such-image:${RUN}` };
    const t0 = Date.now();
    await expect(startDataService(ctx, missing)).rejects.toMatchObject({ code: 'SERVICE_NOT_READY' });
    console.log(`swarm data service: a missing image refused after ${Date.now() - t0} ms`);
    expect(await findDataService(ctx, APP, 'broken')).toBeNull();
    const secrets = await MANAGER.docker.listSecrets({ filters: { label: [`paas.test=${RUN}`, 'paas.service=broken'] } });
    expect(secrets).toEqual([]);
    // A volume Swarm may have made for the rejected task is removed with it.
    await removeDataService(ctx, APP, 'broken', { volume: true });
  });

  it('refuses to remove a volume on a node whose engine it cannot reach, before removing anything', async () => {
    const blind = { ...ctx, engineFor: () => undefined };
    await expect(removeDataService(blind, APP, 'data', { volume: true })).rejects.toMatchObject({
      code: 'DEPLOY_FAILED',
      hint: expect.stringContaining('PAAS_SWARM_ENGINES'),
    });
    expect(await findDataService(ctx, APP, 'data')).toMatchObject({ id: first.id });
  });

  it('removed without its volume, it is created again on the node that holds the volume, with its data', async () => {
    await removeDataService(ctx, APP, 'data', { volume: false });
    expect(await findDataService(ctx, APP, 'data')).toBeNull();
    // The server stopped before it returned: a new service never runs beside it on the volume.
    expect(await taskContainer(nodeNamed(first.node), name)).toBeNull();
    const volume = await nodeNamed(first.node).docker.getVolume(name).inspect();
    expect(volume.Labels).toMatchObject(LABELS);
    const again = await startDataService(ctx, redisSpec('data', 'redis'));
    expect(again.id).not.toBe(first.id);
    expect(again.node).toBe(first.node);
    const value = await waitUntil('redis on the kept volume', async () => {
      const state = await findDataService(ctx, APP, 'data');
      if (!state?.running) return null;
      const v = await redisCli(state, PASSWORD, 'GET', 'kept');
      return v === 'across-restarts' ? v : null;
    });
    expect(value).toBe('across-restarts');
  });

  it('removeDataService with the volume leaves no service, task container, secret or volume', async () => {
    const t0 = Date.now();
    await removeDataService(ctx, APP, 'data', { volume: true });
    console.log(`swarm data service: removeDataService with the volume ${Date.now() - t0} ms`);
    expect(await findDataService(ctx, APP, 'data')).toBeNull();
    const filter = `label=paas.test=${RUN}`;
    expect((await on(MANAGER.host, 'service', 'ls', '-q', '--filter', filter)).stdout.trim()).toBe('');
    expect((await on(MANAGER.host, 'secret', 'ls', '-q', '--filter', filter)).stdout.trim()).toBe('');
    for (const node of NODES) {
      expect((await on(node.host, 'volume', 'ls', '-q', '--filter', filter)).stdout.trim(), node.name).toBe('');
      expect((await on(node.host, 'ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${name}`)).stdout.trim(), node.name).toBe('');
    }
    // Removing again is a no-op.
    await removeDataService(ctx, APP, 'data', { volume: true });
  });
});
