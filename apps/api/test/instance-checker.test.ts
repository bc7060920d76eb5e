import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstanceChecker } from '../src/health/instance-checker.js';
import { instanceReason, instanceStatus, routedTargets } from '../src/operate/instance-info.js';
import type { InstanceState } from '../src/runtime/types.js';
import { APP, scheduler, type Scheduler } from './helpers/scheduler.js';

const SPEC = 'www:\n  type: python\n  instances: 2\n  healthcheck: {path: /health, interval: 1, timeout: 5}\n';
const HOST = 'blog.localhost';

let s: Scheduler;
let notes: string[];
let woken: string[];

beforeEach(async () => {
  s = await scheduler();
  notes = [];
  woken = [];
  const unlock = await s.locks.acquire(APP);
  try {
    await s.deployer.deploy(await s.release(SPEC), () => undefined);
  } finally {
    await unlock();
  }
});
afterEach(async () => {
  await s?.close();
});

function checker(over: { enabled?: boolean; failures?: number; minIntervalMs?: number; oomSettleMs?: number } = {}): InstanceChecker {
  return new InstanceChecker({
    store: s.store, deployer: s.deployer, routes: s.routes, locks: s.locks,
    enabled: over.enabled ?? true, failures: over.failures ?? 3,
    ...(over.minIntervalMs !== undefined ? { minIntervalMs: over.minIntervalMs } : {}),
    ...(over.oomSettleMs !== undefined ? { oomSettleMs: over.oomSettleMs } : {}),
    log: (m) => s.logs.push(m),
    note: async (_i, text) => void notes.push(text),
    wake: (app) => void woken.push(app),
  });
}

/** The instance's health answers come from `answer` from now on. */
function answer(i: InstanceState, status: () => number): void {
  const server = s.runtime.instances.get(i.id)?.server;
  if (!server) throw new Error(`${i.id} has no server`);
  server.removeAllListeners('request');
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    res.statusCode = status();
    res.end();
  });
}

const www = async (index: number): Promise<InstanceState> => {
  const found = (await s.runtime.listInstances({ app: APP, service: 'www' })).find((i) => i.index === index && i.running);
  if (!found) throw new Error(`www.${index} does not run`);
  return found;
};

/** `rounds` ticks one interval apart, each waiting for what it started. */
async function rounds(c: InstanceChecker, n: number): Promise<void> {
  for (let k = 0; k < n; k++) {
    await c.tick(Date.now() + 1_100 * (k + 1));
    await c.settled();
  }
}

describe('InstanceChecker', () => {
  it('probes no more often than PAAS_HEALTH_INTERVAL_MS, however short the spec\'s interval', async () => {
    const c = checker({ minIntervalMs: 5_000 });
    answer(await www(1), () => 500);
    // Ticks 1.1 s apart: the spec's 1 s would make three failures; the floor allows one.
    await rounds(c, 3);
    expect(notes).toEqual([]);
    for (const at of [6_100, 11_200]) {
      await c.tick(Date.now() + at);
      await c.settled();
    }
    expect(notes.join('\n')).toMatch(/www\.1 stopped answering \/health after 3 checks 5 s apart/);
  });

  it('takes an instance out of the router after N failed checks, says why, and replaces it', async () => {
    const c = checker();
    const bad = await www(1);
    const tables = s.router.tables.length;
    answer(bad, () => 500);
    await rounds(c, 2);
    expect(s.router.targets(HOST)).toHaveLength(2);
    await c.tick(Date.now() + 5_000);
    // The third failure: out of the router before anything else, then a fresh www.1 in.
    await c.settled();
    const taken = s.router.tables.slice(tables).map((t) => t.routes[HOST]?.targets.map((x) => x.id) ?? []);
    expect(taken[0]).toHaveLength(1);
    expect(taken[0]!.some((id) => id.endsWith(bad.id.slice(0, 12)))).toBe(false);
    const fresh = await www(1);
    expect(fresh.id).not.toBe(bad.id);
    expect(s.router.targets(HOST)).toHaveLength(2);
    expect(s.router.targets(HOST).some((id) => id.endsWith(bad.id.slice(0, 12)))).toBe(false);
    expect(notes).toEqual(['www.1 stopped answering /health after 3 checks 1 s apart: out of the router, restarting']);
    expect(s.logs.some((l) => l.includes('www.1 stopped answering /health after 3 checks 1 s apart (last: answered 500)'))).toBe(true);
    // The old one was drained and removed; its reason went with it.
    expect(s.runtime.instances.get(bad.id)?.running ?? false).toBe(false);
    expect(s.deployer.unhealthy.size).toBe(0);
  });

  it('ps says unhealthy with the reason while the instance is out', async () => {
    const c = checker();
    const bad = await www(2);
    answer(bad, () => 500);
    s.runtime.startDelayMs = 300; // the replacement takes a while
    await rounds(c, 2);
    const third = c.tick(Date.now() + 5_000);
    await third;
    await new Promise((r) => setTimeout(r, 150));
    const routed = routedTargets(s.routes.appRoutes(APP)).get('www');
    const now = (await s.runtime.inspectInstance(bad.id))!;
    expect(instanceStatus(now, s.deployer, routed, APP)).toBe('unhealthy');
    expect(instanceReason(now, s.deployer)).toBe('stopped answering /health (3 checks)');
    await c.settled();
  });

  it('one failed check followed by a good one changes nothing', async () => {
    const c = checker();
    const flaky = await www(1);
    let n = 0;
    answer(flaky, () => (++n === 1 ? 500 : 200));
    const before = structuredClone(s.router.table.routes);
    await rounds(c, 5);
    expect(n).toBeGreaterThanOrEqual(4);
    expect(s.router.table.routes).toEqual(before);
    expect((await www(1)).id).toBe(flaky.id);
    expect(notes).toEqual([]);
  });

  it('leaves an app under an operation alone, and an instance the deployer is starting or draining', async () => {
    const c = checker();
    const bad = await www(1);
    answer(bad, () => 500);
    const before = structuredClone(s.router.table.routes);
    const unlock = await s.locks.acquire(APP);
    try {
      // The third failure finds the lock held: nothing changes, and counting starts again.
      await rounds(c, 3);
    } finally {
      await unlock();
    }
    expect(s.router.table.routes).toEqual(before);
    // Counting starts again after the operation: two more failures are not enough.
    await rounds(c, 2);
    expect(s.router.table.routes).toEqual(before);
    s.deployer.draining.add(bad.id);
    await rounds(c, 4);
    expect(s.router.table.routes).toEqual(before);
    s.deployer.draining.delete(bad.id);
    s.deployer.starting.add(bad.id);
    await rounds(c, 4);
    expect(s.router.table.routes).toEqual(before);
    expect((await www(1)).id).toBe(bad.id);
  });

  it('does nothing when PAAS_HEALTH_CHECKS is off', async () => {
    const c = checker({ enabled: false });
    c.start();
    const bad = await www(1);
    answer(bad, () => 500);
    const before = structuredClone(s.router.table.routes);
    await rounds(c, 5);
    expect(s.router.table.routes).toEqual(before);
    await c.stop();
  });

  it('when every instance fails, says so and replaces them all', async () => {
    const c = checker({ failures: 2 });
    const one = await www(1);
    const two = await www(2);
    answer(one, () => 503);
    answer(two, () => 503);
    await rounds(c, 2);
    await c.settled();
    expect(s.logs.some((l) => l.includes('every instance of www stopped answering /health'))).toBe(true);
    const now = [await www(1), await www(2)];
    expect(now.map((i) => i.id)).not.toContain(one.id);
    expect(now.map((i) => i.id)).not.toContain(two.id);
    expect(s.router.targets(HOST)).toHaveLength(2);
  });

  it('when the replacement fails the instance stays out, and goes back in once it answers again', async () => {
    const c = checker();
    const bad = await www(1);
    let status = 500;
    answer(bad, () => status);
    s.runtime.status = 500; // replacements never become healthy (within the 5 s health timeout)
    await rounds(c, 3);
    expect(s.logs.some((l) => l.includes('www.1 could not be restarted'))).toBe(true);
    expect(s.deployer.unhealthy.get(bad.id)).toBe('stopped answering /health (3 checks); restarting failed');
    expect(s.router.targets(HOST)).toHaveLength(1);
    // A pass of the control loop does not route it again meanwhile.
    expect(await s.reconciler.passApp(APP, false)).toBe(true);
    expect(s.router.targets(HOST)).toHaveLength(1);
    status = 200;
    await c.tick(Date.now() + 60_000);
    await c.settled();
    expect(s.deployer.unhealthy.size).toBe(0);
    expect(woken).toEqual([APP]);
    expect(await s.reconciler.passApp(APP, false)).toBe(true);
    expect(s.router.targets(HOST)).toHaveLength(2);
    expect((await www(1)).id).toBe(bad.id);
  }, 30_000);

  it('the control loop does not route an instance the checker took out', async () => {
    const bad = await www(1);
    s.deployer.unhealthy.set(bad.id, 'stopped answering /health (3 checks)');
    expect(await s.reconciler.passApp(APP, false)).toBe(true);
    expect(s.router.targets(HOST)).toHaveLength(1);
    expect(s.router.targets(HOST)[0]!.endsWith(bad.id.slice(0, 12))).toBe(false);
    s.deployer.unhealthy.delete(bad.id);
    expect(await s.reconciler.passApp(APP, false)).toBe(true);
    expect(s.router.targets(HOST)).toHaveLength(2);
  });

  it('an out-of-memory kill: says the instance was killed when it died, and that a worker was when it kept running', async () => {
    const c = checker({ oomSettleMs: 50 });
    const one = await www(1);
    const two = await www(2);
    c.onEvent({ app: APP, id: one.id, action: 'oom' });
    // www.1's main process dies with the kill; www.2 only loses a worker.
    s.runtime.crash(one.id);
    c.onEvent({ app: APP, id: two.id, action: 'oom' });
    await c.settled();
    expect(notes.sort()).toEqual([
      'www.1 was killed: over its memory limit; the engine restarts it',
      'www.2 went over its memory limit: the kernel killed one of its processes (a worker, which its server replaces); the instance kept running',
    ]);
  });

  it('writes one out-of-memory line per instance per 10 s, the next one counting the kills in between', async () => {
    const c = checker({ oomSettleMs: 10 });
    const one = await www(1);
    const t0 = Date.now();
    for (let k = 0; k < 5; k++) c.onEvent({ app: APP, id: one.id, action: 'oom' }, t0 + k * 1_000);
    await c.settled();
    expect(notes).toEqual(['www.1 went over its memory limit: the kernel killed one of its processes (a worker, which its server replaces); the instance kept running']);
    c.onEvent({ app: APP, id: one.id, action: 'oom' }, t0 + 10_500);
    await c.settled();
    expect(notes[1]).toBe('www.1 went over its memory limit: the kernel killed one of its processes (a worker, which its server replaces); the instance kept running (4 more kills for memory since the last such line)');
  });
});
