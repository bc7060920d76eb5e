import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { PaasError } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { loadConfig, runtimeSetting } from '../src/config.js';
import { openMultiNode } from '../src/multi-node.js';
import { requireDocker } from './helpers/docker.js';
import { parseSwarmEngines, swarmManagerSetting } from '../src/runtime/swarm-engines.js';
import { runningTask, swarmName, taskTrouble, toSwarmInstanceState, type SwarmService, type SwarmTask } from '../src/runtime/swarm-state.js';

const service: SwarmService = {
  ID: 'svc1',
  Version: { Index: 10 },
  Spec: {
    Name: 'paas-abc123-blog-www-v3-2-0a1b2c',
    Labels: { 'paas.platform': 'abc123', 'paas.app': 'blog', 'paas.service': 'www', 'paas.release': 'v3', 'paas.instance': 'www.2', 'paas.managed': '1' },
    Mode: { Replicated: { Replicas: 1 } },
  },
};
const nodes = new Map([
  ['n1', { name: 'node-1', address: '10.0.0.11' }],
  ['n2', { name: 'node-2', address: '10.0.0.12' }],
]);

function task(over: Partial<SwarmTask> & { state: string; index: number; desired?: string; exit?: number; port?: number; node?: string; err?: string }): SwarmTask {
  return {
    ID: `t${over.index}`,
    ServiceID: 'svc1',
    NodeID: over.node ?? 'n1',
    CreatedAt: `2026-11-29T10:00:${String(over.index).padStart(2, '0')}Z`,
    DesiredState: over.desired ?? (over.state === 'running' ? 'running' : 'shutdown'),
    Version: { Index: over.index },
    Status: {
      Timestamp: `2026-11-29T10:01:${String(over.index).padStart(2, '0')}Z`,
      State: over.state,
      ...(over.err ? { Err: over.err } : {}),
      ContainerStatus: { ContainerID: `c${over.index}`, ...(over.exit !== undefined ? { ExitCode: over.exit } : {}) },
      ...(over.port ? { PortStatus: { Ports: [{ Protocol: 'tcp', TargetPort: 8080, PublishedPort: over.port, PublishMode: 'host' }] } } : {}),
    },
  };
}

describe('swarm instance state from a service and its tasks', () => {
  it('a running task: running, its node, the host port on the node address, no restarts', () => {
    const s = toSwarmInstanceState(service, [task({ state: 'running', index: 1, port: 30001, node: 'n2' })], nodes);
    expect(s).toMatchObject({
      id: 'svc1', app: 'blog', service: 'www', release: 'v3', index: 2, running: true, restarting: false,
      exitCode: null, restartCount: 0, node: 'node-2', addresses: { 8080: { host: '10.0.0.12', port: 30001 } },
    });
    expect(s.startedAt?.toISOString()).toBe('2026-11-29T10:01:01.000Z');
  });

  it('crashed tasks count as restarts; the newest running one is the current one', () => {
    const tasks = [task({ state: 'failed', index: 1, exit: 3 }), task({ state: 'failed', index: 2, exit: 4 }), task({ state: 'running', index: 3, port: 30002 })];
    const s = toSwarmInstanceState(service, tasks, nodes);
    expect(s.running).toBe(true);
    expect(s.restartCount).toBe(2);
    expect(s.addresses[8080]).toEqual({ host: '10.0.0.11', port: 30002 });
    expect(runningTask(tasks)?.ID).toBe('t3');
  });

  it('between a crash and the next task: restarting, with the last exit code and no address', () => {
    const s = toSwarmInstanceState(service, [task({ state: 'failed', index: 1, exit: 1 }), task({ state: 'preparing', index: 2, desired: 'running' })], nodes);
    expect(s).toMatchObject({ running: false, restarting: true, exitCode: 1, restartCount: 1, addresses: {}, startedAt: null });
  });

  it('scaled to 0 (halted): not running, not restarting; a clean shutdown is no restart', () => {
    const halted = { ...service, Spec: { ...service.Spec, Mode: { Replicated: { Replicas: 0 } } } };
    const s = toSwarmInstanceState(halted, [task({ state: 'shutdown', index: 1, exit: 0 })], nodes);
    expect(s).toMatchObject({ running: false, restarting: false, restartCount: 0 });
  });

  it("a task the engine refused says why", () => {
    expect(taskTrouble([task({ state: 'rejected', index: 1, err: 'No such image: r/x@sha256:1' })])).toBe('No such image: r/x@sha256:1');
    expect(taskTrouble([task({ state: 'running', index: 1 })])).toBeUndefined();
  });
});

describe('swarm names', () => {
  it('short names stay; long ones are cut to 63 characters with a hash of the whole, distinct per name', () => {
    expect(swarmName('paas-abc123-blog-www-v3-1-0a1b2c')).toBe('paas-abc123-blog-www-v3-1-0a1b2c');
    const long = `paas-abc123-${'a'.repeat(32)}-worker-v12-3-0a1b2c`;
    const cut = swarmName(long);
    expect(cut.length).toBeLessThanOrEqual(63);
    expect(cut.startsWith('paas-abc123-aaaa')).toBe(true);
    expect(swarmName(long.replace('0a1b2c', '0a1b2d'))).not.toBe(cut);
  });
});

describe('swarm settings', () => {
  it('PAAS_RUNTIME is docker by default, swarm when asked, refused otherwise', () => {
    expect(runtimeSetting(undefined)).toBe('docker');
    expect(runtimeSetting(' swarm ')).toBe('swarm');
    expect(() => runtimeSetting('kubernetes')).toThrow(/PAAS_RUNTIME must be docker or swarm/);
    expect(loadConfig({ PAAS_RUNTIME: 'swarm' }).runtime).toBe('swarm');
  });

  it('PAAS_SWARM_ENGINES maps node names to unix or tcp engine URLs', () => {
    expect([...parseSwarmEngines('n1=unix:///run/n1.sock, n2=tcp://10.0.0.12:2375')]).toEqual([
      ['n1', 'unix:///run/n1.sock'],
      ['n2', 'tcp://10.0.0.12:2375'],
    ]);
    expect(parseSwarmEngines(undefined).size).toBe(0);
    expect(() => parseSwarmEngines('n1=http://x')).toThrow(/not NODE=unix/);
    expect(() => parseSwarmEngines('=unix:///a')).toThrow(/not NODE=unix/);
    expect(() => parseSwarmEngines('n1=unix:///a n1=unix:///b')).toThrow(/twice/);
  });

  it('PAAS_SWARM_MANAGER is an engine URL or unset', () => {
    expect(swarmManagerSetting('')).toBeUndefined();
    expect(swarmManagerSetting('unix:///var/lib/lab/m.sock')).toBe('unix:///var/lib/lab/m.sock');
    expect(() => swarmManagerSetting('10.0.0.1:2375')).toThrow(/PAAS_SWARM_MANAGER must be/);
  });
});

const engine = await requireDocker();
describe.skipIf(!engine)('PAAS_RUNTIME=swarm on an engine that is no swarm manager', () => {
  it('refuses to start with ENGINE_UNAVAILABLE naming the setting, before any registry is made', async () => {
    const home = await mkdtemp(join(tmpdir(), 'paas-swarm-refused-'));
    try {
      const config = loadConfig({ PAAS_HOME: home, PAAS_RUNTIME: 'swarm', PAAS_REGISTRY_ADDR: '127.0.0.1:5999' });
      const refused = await openMultiNode(config, engine as Dockerode, 'abc123', () => undefined).then(() => null, (err: unknown) => err);
      expect(refused).toBeInstanceOf(PaasError);
      expect((refused as PaasError).code).toBe('ENGINE_UNAVAILABLE');
      expect((refused as PaasError).message).toMatch(/DOCKER_HOST names is not a swarm manager/);
      expect(existsSync(join(home, 'registry'))).toBe(false);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
