import type { PushEvent } from '@paas/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkDrainable, drainNode, listNodes, setAvailability } from '../src/operate/drain-node.js';
import { FakeRuntime } from './helpers/fake-runtime.js';
import { NodeRuntime } from './helpers/fake-node-runtime.js';
import { APP, scheduler, type Scheduler } from './helpers/scheduler.js';

const SPEC = `
www:
  type: python
  instances: 3
worker:
  type: python-worker
  instances: 2
`;

let s: Scheduler;
let rt: NodeRuntime;
const events: PushEvent[] = [];
const emit = (e: PushEvent): void => void events.push(e);

async function push(spec = SPEC): Promise<void> {
  const unlock = await s.locks.acquire(APP);
  try {
    const r = await s.release(spec);
    await s.deployer.retire(APP, await s.deployer.deploy(r, emit));
  } finally {
    await unlock();
  }
}

/** `www.1@n2` for every running instance of the app. */
async function placement(): Promise<string[]> {
  return (await rt.listInstances({ app: APP })).filter((i) => i.running).map((i) => `${i.service}.${i.index}@${i.node}`).sort();
}
const onNode = async (node: string): Promise<string[]> => (await placement()).filter((p) => p.endsWith(`@${node}`));
const availability = (node: string): string | undefined => rt.nodes.find((n) => n.name === node)?.availability;

beforeEach(async () => {
  rt = new NodeRuntime();
  s = await scheduler(rt);
  events.length = 0;
});
afterEach(async () => {
  await s?.close();
});

describe('drainNode', () => {
  it('pauses the node, replaces each instance on it elsewhere one at a time (new one healthy first), then drains it', async () => {
    await push();
    const before = await onNode('n2');
    expect(before.length).toBeGreaterThan(0);
    const untouched = [...(await onNode('n1')), ...(await onNode('n3'))];
    rt.calls.length = 0;
    events.length = 0;

    const result = await drainNode({ store: s.store, deployer: s.deployer, locks: s.locks }, 'n2', emit);

    expect(result.moved.map((m) => m.replace(`${APP}/`, '')).sort()).toEqual(before.map((p) => p.replace('@n2', '')).sort());
    expect(await onNode('n2')).toEqual([]);
    // Every service still runs at its scale, and what ran elsewhere was left alone.
    const after = await placement();
    expect(after.map((p) => p.split('@')[0]).sort()).toEqual(['worker.1', 'worker.2', 'www.1', 'www.2', 'www.3']);
    for (const p of untouched) expect(after).toContain(p);
    expect(s.router.targets('blog.localhost')).toHaveLength(3);
    // Paused before anything moved, drained last; each replacement started (avoiding n2) before its old instance went.
    expect(rt.calls[0]).toBe('availability n2 pause');
    expect(rt.calls.at(-1)).toBe('availability n2 drain');
    const moves = rt.calls.filter((c) => c.startsWith('place') || c.startsWith('remove'));
    expect(moves).toHaveLength(before.length * 2);
    for (let k = 0; k < moves.length; k += 2) {
      expect(moves[k]).toMatch(/^place \S+ v1 on n[13] avoiding n2$/);
      expect(moves[k + 1]?.replace(/^remove /, 'place ').split(' ').slice(0, 3)).toEqual(moves[k]?.split(' ').slice(0, 3));
    }
    const steps = events.filter((e) => e.type === 'deploy.step').map((e) => (e as { step: string }).step);
    expect(steps[0]).toMatch(/^Pausing n2/);
    expect(steps.at(-1)).toMatch(/^Draining n2/);
    expect(events.at(-1)).toEqual({ type: 'node.drained', node: 'n2', moved: result.moved });
  });

  it('a node without instances of an app is paused then drained, and nothing moves', async () => {
    await push('www:\n  type: python\n  instances: 1\n');
    rt.calls.length = 0;
    const result = await drainNode({ store: s.store, deployer: s.deployer, locks: s.locks }, 'n3', emit);
    expect(result.moved).toEqual([]);
    expect(rt.calls).toEqual(['availability n3 pause', 'availability n3 drain']);
  });

  it('refuses a node holding a data service before changing anything (NODE_HOLDS_DATA, naming it)', async () => {
    await push();
    const db = await rt.startDataService({ app: APP, service: 'db', type: 'postgresql', image: 'pg', user: 'postgres', dataPath: '/data', port: 5432, memoryBytes: 1, capAdd: [] });
    db.node = 'n2';
    const placed = await placement();
    rt.calls.length = 0;
    await expect(drainNode({ store: s.store, deployer: s.deployer, locks: s.locks }, 'n2', emit)).rejects.toMatchObject({
      code: 'NODE_HOLDS_DATA', message: expect.stringContaining('blog/db (postgresql)'), hint: expect.stringContaining('paas backup'),
    });
    expect(rt.calls).toEqual([]);
    expect(availability('n2')).toBe('active');
    expect(await placement()).toEqual(placed);
    // Another node can be drained.
    await expect(checkDrainable(s.store, rt, 'n3')).resolves.toMatchObject({ name: 'n3' });
  });

  it('refuses an unknown node before changing anything (NODE_NOT_FOUND, listing the nodes)', async () => {
    await push();
    rt.calls.length = 0;
    await expect(drainNode({ store: s.store, deployer: s.deployer, locks: s.locks }, 'n9', emit)).rejects.toMatchObject({
      code: 'NODE_NOT_FOUND', hint: expect.stringContaining('n1, n2, n3'),
    });
    await expect(setAvailability(rt, 'n9', 'active')).rejects.toMatchObject({ code: 'NODE_NOT_FOUND' });
    expect(rt.calls).toEqual([]);
  });

  it("waits for the app's lock; when it cannot get it the node stays paused and says how to go on", async () => {
    await push();
    const unlock = await s.locks.acquire(APP, 'push');
    try {
      await expect(drainNode({ store: s.store, deployer: s.deployer, locks: s.locks }, 'n2', emit)).rejects.toMatchObject({ code: 'DEPLOY_LOCKED' });
    } finally {
      await unlock();
    }
    expect(availability('n2')).toBe('pause');
    expect(events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message)).toEqual([
      'n2 stays paused: run paas nodes drain n2 again to finish, or paas nodes activate n2',
    ]);
    // Running it again finishes the drain.
    await drainNode({ store: s.store, deployer: s.deployer, locks: s.locks }, 'n2', emit);
    expect(await onNode('n2')).toEqual([]);
    expect(availability('n2')).toBe('drain');
  });
});

describe('listNodes, setAvailability', () => {
  it('counts the instances and data services on each node', async () => {
    await push();
    const db = await rt.startDataService({ app: APP, service: 'db', type: 'redis', image: 'redis', user: 'redis', dataPath: '/data', port: 6379, memoryBytes: 1, capAdd: [] });
    db.node = 'n3';
    const nodes = await listNodes(s.store, rt);
    const placed = await placement();
    expect(nodes.map((n) => [n.name, n.instances, n.dataServices])).toEqual(
      ['n1', 'n2', 'n3'].map((n) => [n, placed.filter((p) => p.endsWith(`@${n}`)).length, n === 'n3' ? 1 : 0]),
    );
    expect(nodes[0]).toMatchObject({ role: 'manager', leader: true, address: '10.0.0.11', cpus: 2 });
  });

  it('activate sets a drained node active again and answers it', async () => {
    await rt.setNodeAvailability('n2', 'drain');
    await expect(setAvailability(rt, 'n2', 'active')).resolves.toMatchObject({ name: 'n2', availability: 'active' });
  });

  it('on one Docker Engine every one of them is NOT_ON_SWARM', async () => {
    const single = new FakeRuntime();
    await expect(listNodes(s.store, single)).rejects.toMatchObject({ code: 'NOT_ON_SWARM', message: expect.stringContaining('PAAS_RUNTIME=docker'), hint: expect.stringContaining('PAAS_RUNTIME=swarm') });
    await expect(setAvailability(single, 'n1', 'active')).rejects.toMatchObject({ code: 'NOT_ON_SWARM' });
    await expect(checkDrainable(s.store, single, 'n1')).rejects.toMatchObject({ code: 'NOT_ON_SWARM' });
    await single.close();
  });
});
