import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { hashToken } from '../src/tokens.js';
import { NodeRuntime } from './helpers/fake-node-runtime.js';
import { pgliteDataDir } from './helpers/pg.js';
import { testPlatform } from './helpers/test-platform.js';

// The node routes over HTTP on a real PGlite store: once on one engine (our
// FakeRuntime, which has no nodes) and once on a fake runtime with three.

let single: FastifyInstance;
let swarm: FastifyInstance;
let runtime: NodeRuntime;
let store: Store;
let cleanup: () => Promise<void>;
const ADMIN = 'paas_admin-token-for-tests';
const ALICE = 'paas_alice-token-for-tests';
const as = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  const dir = await pgliteDataDir();
  cleanup = dir.cleanup;
  store = await openStore({ dataDir: dir.dataDir });
  await store.createUser('admin', true, hashToken(ADMIN));
  await store.createUser('alice', false, hashToken(ALICE));
  await store.createApp('shop', 'alice');
  single = buildApp(testPlatform(store, { PAAS_HOME: dir.dataDir }));
  runtime = new NodeRuntime();
  swarm = buildApp(testPlatform(store, { PAAS_HOME: dir.dataDir }, runtime));
  await Promise.all([single.ready(), swarm.ready()]);
});
afterAll(async () => {
  await single?.close();
  await swarm?.close();
  await runtime?.close();
  await store?.close();
  await cleanup?.();
});

const ROUTES: [string, string][] = [['GET', '/v1/nodes'], ['GET', '/v1/nodes/join-command'], ['POST', '/v1/nodes/n2/drain'], ['POST', '/v1/nodes/n2/activate']];

describe('node routes', () => {
  it('are for admins only', async () => {
    for (const [method, url] of ROUTES) {
      const r = await swarm.inject({ method: method as 'GET', url, headers: as(ALICE), ...(method === 'POST' ? { payload: {} } : {}) });
      expect([url, r.statusCode, r.json().code]).toEqual([url, 403, 'FORBIDDEN']);
    }
    expect(runtime.calls).toEqual([]);
  });

  it('on one Docker Engine answer 409 NOT_ON_SWARM with the hint, as plain JSON', async () => {
    for (const [method, url] of ROUTES) {
      const r = await single.inject({ method: method as 'GET', url, headers: as(ADMIN), ...(method === 'POST' ? { payload: {} } : {}) });
      expect([url, r.statusCode, r.headers['content-type']]).toEqual([url, 409, 'application/json; charset=utf-8']);
      expect(r.json()).toEqual({
        code: 'NOT_ON_SWARM',
        message: 'this platform runs on one Docker Engine (PAAS_RUNTIME=docker): there are no nodes',
        hint: expect.stringContaining('PAAS_RUNTIME=swarm'),
      });
    }
  });

  it('list the nodes with what of the platform runs there, and the join command', async () => {
    const db = await runtime.startDataService({ app: 'shop', service: 'db', type: 'redis', image: 'redis', user: 'redis', dataPath: '/data', port: 6379, memoryBytes: 1, capAdd: [] });
    db.node = 'n3';
    const r = await swarm.inject({ method: 'GET', url: '/v1/nodes', headers: as(ADMIN) });
    expect(r.statusCode).toBe(200);
    const { nodes } = r.json() as { nodes: { name: string; role: string; leader: boolean; instances: number; dataServices: number }[] };
    expect(nodes.map((n) => [n.name, n.role, n.leader, n.instances, n.dataServices])).toEqual([
      ['n1', 'manager', true, 0, 0], ['n2', 'worker', false, 0, 0], ['n3', 'worker', false, 0, 1],
    ]);
    const join = await swarm.inject({ method: 'GET', url: '/v1/nodes/join-command', headers: as(ADMIN) });
    expect(join.json()).toEqual({ command: 'docker swarm join --token SWMTKN-1-x 10.0.0.11:2377' });
  });

  it('refuse an unknown node and a node holding data as plain JSON, changing nothing', async () => {
    runtime.calls.length = 0;
    const unknown = await swarm.inject({ method: 'POST', url: '/v1/nodes/n9/drain', headers: as(ADMIN), payload: {} });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'NODE_NOT_FOUND']);
    const activate = await swarm.inject({ method: 'POST', url: '/v1/nodes/n9/activate', headers: as(ADMIN), payload: {} });
    expect([activate.statusCode, activate.json().code]).toEqual([404, 'NODE_NOT_FOUND']);
    const data = await swarm.inject({ method: 'POST', url: '/v1/nodes/n3/drain', headers: as(ADMIN), payload: {} });
    expect([data.statusCode, data.json().code]).toEqual([409, 'NODE_HOLDS_DATA']);
    expect(data.json().message).toContain('shop/db (redis)');
    expect(runtime.calls.filter((c) => c.startsWith('availability'))).toEqual([]);
  });

  it('drain answers an NDJSON stream ending with node.drained, and activate sets the node active again', async () => {
    const r = await swarm.inject({ method: 'POST', url: '/v1/nodes/n2/drain', headers: as(ADMIN), payload: {} });
    expect([r.statusCode, r.headers['content-type']]).toEqual([200, 'application/x-ndjson']);
    const events = r.body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string });
    expect(events.at(-1)).toEqual({ type: 'node.drained', node: 'n2', moved: [] });
    expect(runtime.nodes.find((n) => n.name === 'n2')?.availability).toBe('drain');
    const a = await swarm.inject({ method: 'POST', url: '/v1/nodes/n2/activate', headers: as(ADMIN), payload: {} });
    expect([a.statusCode, a.json().name, a.json().availability]).toEqual([200, 'n2', 'active']);
  });
});
