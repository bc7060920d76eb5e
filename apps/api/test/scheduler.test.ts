import { PaasError, type PushEvent } from '@paas/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeployError } from '../src/deploy/deployer.js';
import { destroyApp } from '../src/deploy/destroy-app.js';
import { restartService } from '../src/operate/restart-app.js';
import { scaleApp } from '../src/operate/scale-app.js';
import { APP, scheduler, type Scheduler } from './helpers/scheduler.js';

let s: Scheduler;
const events: PushEvent[] = [];
const emit = (e: PushEvent): void => void events.push(e);

beforeEach(async () => {
  s = await scheduler();
  events.length = 0;
});
afterEach(async () => {
  await s?.close();
});

/** Deploys a release as a push does: under the lock, retiring the old instances after the switch. */
async function push(spec?: string): Promise<string> {
  const unlock = await s.locks.acquire(APP);
  try {
    const r = await s.release(spec);
    const old = await s.deployer.deploy(r, emit);
    await s.deployer.retire(APP, old);
    return r.id;
  } finally {
    await unlock();
  }
}

const running = async (service?: string) =>
  (await s.runtime.listInstances({ app: APP, ...(service ? { service } : {}) })).filter((i) => i.running).map((i) => `${i.service}.${i.index}@${i.release}`).sort();

describe('Deployer.deploy', () => {
  it('starts every service, switches the routes at once, and leaves the old release to retire', async () => {
    await push();
    expect(await running()).toEqual(['worker.1@v1', 'www.1@v1']);
    expect(s.router.targets('blog.localhost')).toHaveLength(1);
    await push();
    expect(await running()).toEqual(['worker.1@v2', 'www.1@v2']);
    expect((await s.store.getActiveRelease(APP))?.id).toBe('v2');
    expect(s.router.targets('blog.localhost')[0]).toMatch(/^blog\.www\.v2\.1\./);
    // The old web instance was drained before it was halted.
    expect(s.router.drained.flat().some((id) => id.startsWith('blog.www.v1.1.'))).toBe(true);
  });

  it('an unhealthy new release leaves the old one serving and is marked failed', async () => {
    await push();
    const before = s.router.table;
    s.runtime.status = 500;
    await expect(push('www:\n  type: python\n  healthcheck: {path: /, timeout: 1}\nworker:\n  type: python-worker\n')).rejects.toBeInstanceOf(DeployError);
    expect(s.router.table).toEqual(before);
    expect(await running()).toEqual(['worker.1@v1', 'www.1@v1']);
    expect((await s.store.listReleases(APP)).map((r) => `${r.id}:${r.status}`)).toEqual(['v2:failed', 'v1:active']);
  });

  it('activateRelease failing after the switch leaves one consistent state: the old routes, the old release active, no new instance', async () => {
    await push();
    const before = structuredClone(s.router.table.routes);
    const activate = s.store.activateRelease.bind(s.store);
    s.store.activateRelease = async () => {
      throw new Error('database went away');
    };
    const r = await s.release();
    const unlock = await s.locks.acquire(APP);
    await expect(s.deployer.deploy(r, emit)).rejects.toThrow('database went away');
    await unlock();
    s.store.activateRelease = activate;
    expect(s.router.table.routes).toEqual(before);
    expect(await running()).toEqual(['worker.1@v1', 'www.1@v1']);
    expect((await s.store.getActiveRelease(APP))?.id).toBe('v1');
    expect((await s.store.getRelease(APP, r.id))?.status).toBe('failed');
  });

  it("applies the spec's instances when they changed between two pushes, and says so; otherwise paas scale wins", async () => {
    await push();
    await scaleApp(s.store, s.deployer, APP, { www: 3 }, emit);
    await push(); // same spec: the scale of 3 stays
    expect(await running('www')).toEqual(['www.1@v2', 'www.2@v2', 'www.3@v2']);
    events.length = 0;
    await push('www:\n  type: python\n  instances: 2\nworker:\n  type: python-worker\n');
    expect(await running('www')).toEqual(['www.1@v3', 'www.2@v3']);
    expect(events.some((e) => e.type === 'log' && e.line.includes('instances of www changed in the spec (1 → 2)'))).toBe(true);
    expect((await s.store.getScale(APP)).www).toBe(2);
  });
});

describe('scale and restart', () => {
  it('scale 1 → 3 → 1: new instances are routed once healthy, extra ones drained then removed', async () => {
    await push();
    await scaleApp(s.store, s.deployer, APP, { www: 3 }, emit);
    expect(s.router.targets('blog.localhost')).toHaveLength(3);
    expect(await running('www')).toEqual(['www.1@v1', 'www.2@v1', 'www.3@v1']);
    const www1 = s.router.targets('blog.localhost')[0];
    await scaleApp(s.store, s.deployer, APP, { www: 1 }, emit);
    expect(s.router.targets('blog.localhost')).toEqual([www1]);
    expect(await running('www')).toEqual(['www.1@v1']);
    const calls = s.runtime.calls.join('\n');
    expect(calls.indexOf('halt www.3 v1')).toBeGreaterThan(-1);
    expect(s.router.drained.flat().filter((id) => id.startsWith('blog.www.v1.3.'))).toHaveLength(1);
    expect((await s.store.getScale(APP)).www).toBe(1);
  });

  it('www=0 stops the service and routes nothing; a worker scales too', async () => {
    await push();
    await scaleApp(s.store, s.deployer, APP, { www: 0, worker: 2 }, emit);
    expect(await running()).toEqual(['worker.1@v1', 'worker.2@v1']);
    expect(s.router.targets('blog.localhost')).toEqual([]);
  });

  it('refuses a data service and an unknown service with SCALE_INVALID', async () => {
    await push('www:\n  type: python\ndb:\n  type: postgresql\n');
    await expect(scaleApp(s.store, s.deployer, APP, { db: 2 }, emit)).rejects.toMatchObject({ code: 'SCALE_INVALID' });
    await expect(scaleApp(s.store, s.deployer, APP, { nope: 2 }, emit)).rejects.toMatchObject({ code: 'SCALE_INVALID' });
  });

  it('restart replaces every instance one by one with a new one of the same number', async () => {
    await push();
    await scaleApp(s.store, s.deployer, APP, { www: 2 }, emit);
    const before = await s.runtime.listInstances({ app: APP, service: 'www' });
    await restartService(s.store, s.deployer, APP, 'www', undefined, emit);
    const after = await s.runtime.listInstances({ app: APP, service: 'www' });
    expect(after.map((i) => i.index).sort()).toEqual([1, 2]);
    expect(after.some((a) => before.some((b) => b.id === a.id))).toBe(false);
    // Rolling: each old instance was removed only after its replacement had started.
    const c = s.runtime.calls.filter((l) => l.startsWith('start www') || l.startsWith('remove www'));
    expect(c.slice(-4)).toEqual(['start www.1 v1', 'remove www.1 v1', 'start www.2 v1', 'remove www.2 v1']);
    expect(s.router.targets('blog.localhost')).toHaveLength(2);
  });

  it('restart of www.N that does not run is INSTANCE_NOT_FOUND', async () => {
    await push();
    await expect(restartService(s.store, s.deployer, APP, 'www', 5, emit)).rejects.toMatchObject({ code: 'INSTANCE_NOT_FOUND' });
  });
});

describe('Reconciler', () => {
  it('a pass while a push holds the lock changes nothing of that push, and runs once the lock is free', async () => {
    await push();
    s.runtime.startDelayMs = 150;
    const unlock = await s.locks.acquire(APP);
    const r = await s.release();
    const deploying = s.deployer.deploy(r, emit);
    await new Promise((res) => setTimeout(res, 50)); // the new instance is starting
    const callsBefore = s.runtime.calls.length;
    const tablesBefore = s.router.tables.length;
    expect(await s.reconciler.passApp(APP, true)).toBe(false);
    expect(s.router.tables.length).toBe(tablesBefore);
    expect(s.runtime.calls.length).toBe(callsBefore);
    const old = await deploying;
    await unlock();
    expect(old.map((i) => i.release)).toEqual(['v1', 'v1']);
    // Once free, a full pass retires the old release's instances and keeps the new ones routed.
    expect(await s.reconciler.passApp(APP, true)).toBe(true);
    expect(await running()).toEqual(['worker.1@v2', 'www.1@v2']);
    expect(s.router.targets('blog.localhost')[0]).toMatch(/^blog\.www\.v2\.1\./);
  });

  it('follows engine events: a crashed instance leaves the table, a missing one is started again', async () => {
    await push();
    await s.reconciler.start();
    const [www] = await s.runtime.listInstances({ app: APP, service: 'www' });
    s.runtime.crash(www!.id);
    await until(() => s.router.targets('blog.localhost').length === 0);
    await s.runtime.removeInstance(www!.id);
    await until(async () => (await running('www')).length === 1 && s.router.targets('blog.localhost').length === 1);
    expect(s.logs.some((l) => l.includes('started 1 instance(s) of www'))).toBe(true);
  });

  it('continues the route table version from the router and reports a stale table as an error', async () => {
    s.router.table = { version: 500, routes: {} };
    await s.routes.init();
    await push();
    expect(s.router.table.version).toBeGreaterThan(500);
    s.router.table = { ...s.router.table, version: s.router.table.version + 100 }; // another writer moved it on
    const stale = s.routes.setApp(APP, new Map());
    await expect(stale).rejects.toBeInstanceOf(PaasError);
    await expect(stale).rejects.toMatchObject({ code: 'TABLE_STALE' });
    // The next change continues from the router's version and succeeds.
    await s.routes.setApp(APP, new Map());
    expect(s.router.table.routes).toEqual({});
  });
});

describe('destroyApp (reliability 41)', () => {
  it('says what remains when a step fails, keeps the rows, and finishes when run again', async () => {
    await push();
    const removeNetwork = s.runtime.removeNetwork.bind(s.runtime);
    s.runtime.removeNetwork = async () => {
      throw new Error('the engine does not answer');
    };
    await expect(destroyApp(s, APP)).rejects.toMatchObject({
      code: 'DESTROY_INCOMPLETE',
      message: expect.stringContaining('its network (the engine does not answer)'),
    });
    expect(await s.store.getApp(APP)).not.toBeNull();
    expect(await running()).toEqual([]);
    expect(s.router.table.routes).toEqual({});
    s.runtime.removeNetwork = removeNetwork;
    await destroyApp(s, APP);
    expect(await s.store.getApp(APP)).toBeNull();
    expect(s.runtime.calls).toContain(`removeNetwork ${APP}`);
  });
});

describe('AppLocks', () => {
  it('a second holder waits briefly, then gets DEPLOY_LOCKED; a released lock can be taken again', async () => {
    const unlock = await s.locks.acquire(APP);
    await expect(s.locks.acquire(APP)).rejects.toMatchObject({ code: 'DEPLOY_LOCKED' });
    expect(await s.locks.tryAcquire('other')).toBeTypeOf('function');
    await unlock();
    await unlock(); // twice is harmless
    const again = await s.locks.acquire(APP);
    await again();
  });
});

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
