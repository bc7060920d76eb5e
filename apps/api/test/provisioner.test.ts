import { PassThrough } from 'node:stream';
import { parseSpec, PaasError, type PushEvent } from '@paas/core';
import type Dockerode from 'dockerode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken } from '../src/tokens.js';
import { Provisioner } from '../src/provision/provisioner.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import type { ProcessSession } from '../src/runtime/types.js';
import { FakeRuntime } from './helpers/fake-runtime.js';
import { pgliteDataDir } from './helpers/pg.js';

const APP = 'shop';
const spec = (text: string) => parseSpec(text, { file: 'paas.yml' }).spec;
const BOTH = spec('www:\n  type: python\ndb:\n  type: postgresql\ncache:\n  type: redis\n');
const IMAGES = new Map([['db', 'paas/service-postgresql:test'], ['cache', 'paas/service-redis:test']]);

/** An engine where every image is present: the provisioner's image check is all it sees. */
const docker = { getImage: () => ({ inspect: async () => ({ Id: 'sha256:x' }) }) } as unknown as Dockerode;

/** Readiness answers with this exit code (the fake's sessions otherwise exit 0). */
class ReadinessRuntime extends FakeRuntime {
  readyExit = 0;
  override attach(): Promise<ProcessSession> {
    const stdout = new PassThrough();
    stdout.end();
    const stderr = new PassThrough();
    stderr.end(this.readyExit === 0 ? '' : 'connection refused');
    return Promise.resolve({ stdin: new PassThrough(), stdout, stderr, resize: async () => undefined, wait: async () => this.readyExit, kill: async () => undefined });
  }
}

describe('the provisioner', () => {
  let store: Store;
  let runtime: ReadinessRuntime;
  let provisioner: Provisioner;
  let cleanup: () => Promise<void>;
  const events: PushEvent[] = [];
  const emit = (e: PushEvent): void => void events.push(e);

  beforeEach(async () => {
    const dir = await pgliteDataDir();
    store = await openStore({ dataDir: dir.dataDir });
    await store.createUser('admin', true, hashToken('t'));
    await store.createApp(APP, 'admin');
    runtime = new ReadinessRuntime();
    provisioner = new Provisioner({ store, runtime, docker, labels: {}, imageEnv: {}, tmpDir: dir.dataDir, readyTimeoutMs: 300 });
    cleanup = async () => {
      await store.close();
      await dir.cleanup();
    };
  });
  afterEach(async () => {
    await cleanup();
  });

  it('creates each data service once; a later push starts, changes and removes nothing', async () => {
    await provisioner.provision(APP, BOTH, IMAGES, emit);
    const first = await store.listDataServices(APP);
    expect(first.map((d) => [d.name, d.type])).toEqual([['cache', 'redis'], ['db', 'postgresql']]);
    expect(runtime.calls.filter((c) => c.startsWith('startDataService')).sort()).toEqual(['startDataService shop cache', 'startDataService shop db']);
    runtime.calls.length = 0;

    // Removed from the spec: kept, and not touched.
    await provisioner.provision(APP, spec('www:\n  type: python\ndb:\n  type: postgresql\n'), new Map(), emit);
    await provisioner.provision(APP, BOTH, new Map(), emit);
    expect(runtime.calls).toEqual([]);
    expect(await store.listDataServices(APP)).toEqual(first);
  });

  it('gives instances the variables of the data services their release names', async () => {
    await provisioner.provision(APP, BOTH, IMAGES, emit);
    const env = await provisioner.envFor(APP, BOTH);
    const db = await store.getDataService(APP, 'db');
    expect(env.DATABASE_URL).toBe(`postgresql://paas:${db?.credentials.password}@db:5432/app`);
    expect(env.DOTCLOUD_CACHE_REDIS_HOST).toBe('cache');
    // A release whose spec no longer names cache: no cache variables.
    const without = await provisioner.envFor(APP, spec('www:\n  type: python\ndb:\n  type: postgresql\n'));
    expect(Object.keys(without).some((k) => k.includes('CACHE'))).toBe(false);
    expect(without.REDIS_URL).toBeUndefined();
  });

  it('a service that never accepts its login fails the push with SERVICE_NOT_READY and leaves nothing behind', async () => {
    runtime.readyExit = 2;
    const err = await provisioner.provision(APP, spec('db:\n  type: mysql\n'), new Map([['db', 'paas/service-mysql:test']]), emit).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaasError);
    expect((err as PaasError).code).toBe('SERVICE_NOT_READY');
    expect((err as PaasError).hint).toContain('connection refused');
    expect(await store.listDataServices(APP)).toEqual([]);
    expect(runtime.calls).toContain('removeDataService shop db');
    expect(await runtime.listDataServices(APP)).toEqual([]);
  });

  it('starts a stopped data service again on its volume, with its own credentials', async () => {
    await provisioner.provision(APP, BOTH, IMAGES, emit);
    const before = await store.getDataService(APP, 'db');
    const state = runtime.dataServices.get(`${APP}/db`)!;
    state.running = false;
    runtime.calls.length = 0;
    expect(await provisioner.revive(APP)).toEqual(['db']);
    expect(runtime.calls).toEqual(['startDataService shop db']);
    expect((await store.getDataService(APP, 'db'))?.credentials).toEqual(before?.credentials);
    expect(await provisioner.revive(APP)).toEqual(['db']); // the fake keeps it stopped: started again
  });

  it('destroy and info of a service that does not exist: SERVICE_NOT_FOUND naming the ones that do', async () => {
    await provisioner.provision(APP, BOTH, IMAGES, emit);
    const err = await provisioner.destroy(APP, 'nosuch').catch((e: unknown) => e);
    expect((err as PaasError).code).toBe('SERVICE_NOT_FOUND');
    expect((err as PaasError).hint).toBe('its data services are: cache, db');
    await provisioner.destroy(APP, 'cache');
    expect((await store.listDataServices(APP)).map((d) => d.name)).toEqual(['db']);
    const info = await provisioner.get(APP, 'db', BOTH, false);
    expect(info).toMatchObject({ name: 'db', type: 'postgresql', status: 'running', inSpec: true, password: '********' });
    expect(JSON.stringify(info)).not.toContain((await store.getDataService(APP, 'db'))!.credentials.password);
  });
});
