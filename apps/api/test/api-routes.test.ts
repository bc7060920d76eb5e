import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { hashToken } from '../src/tokens.js';
import { pgliteDataDir } from './helpers/pg.js';
import { testPlatform } from './helpers/test-platform.js';

// HTTP behaviour of the API on a real PGlite store. No app here is ever pushed,
// so the runtime and router are our own stand-ins (test/helpers/test-platform.ts).

let app: FastifyInstance;
let store: Store;
let cleanup: () => Promise<void>;
const ADMIN = 'paas_admin-token-for-tests';
const ALICE = 'paas_alice-token-for-tests';
const BOB = 'paas_bob-token-for-tests';

beforeAll(async () => {
  const dir = await pgliteDataDir();
  cleanup = dir.cleanup;
  store = await openStore({ dataDir: dir.dataDir });
  await store.createUser('admin', true, hashToken(ADMIN));
  await store.createUser('alice', false, hashToken(ALICE));
  await store.createUser('bob', false, hashToken(BOB));
  const p = testPlatform(store, { PAAS_HOME: dir.dataDir });

  app = buildApp(p);
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await store?.close();
  await cleanup?.();
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });

describe('auth', () => {
  it('answers 401 AUTH_REQUIRED without a token or with a bad one; health needs none', async () => {
    for (const headers of [{}, as('paas_nope'), { authorization: 'Basic abc' }]) {
      const r = await app.inject({ method: 'GET', url: '/v1/apps', headers });
      expect([r.statusCode, r.json().code]).toEqual([401, 'AUTH_REQUIRED']);
    }
    expect((await app.inject({ method: 'GET', url: '/v1/health' })).json()).toEqual({ ok: true, version: '0.1.0' });
  });

  it('lets only an admin add users, and shows the new token once', async () => {
    const denied = await app.inject({ method: 'POST', url: '/v1/users', headers: as(ALICE), payload: { name: 'carol' } });
    expect([denied.statusCode, denied.json().code]).toEqual([403, 'FORBIDDEN']);
    const made = await app.inject({ method: 'POST', url: '/v1/users', headers: as(ADMIN), payload: { name: 'carol' } });
    expect(made.statusCode).toBe(201);
    const { token } = made.json() as { token: string };
    expect(token).toMatch(/^paas_/);
    expect((await app.inject({ method: 'GET', url: '/v1/whoami', headers: as(token) })).json()).toEqual({ name: 'carol', admin: false });
    const list = await app.inject({ method: 'GET', url: '/v1/users', headers: as(ADMIN) });
    expect(JSON.stringify(list.json())).not.toContain(token);
  });
});

describe('apps', () => {
  it('refuses bad app names with 400 NAME_INVALID (reliability 1)', async () => {
    const bad = ['a;id', 'a`x`', 'a$(x)', 'a\nb', '-a', '.a', '..', 'A', 'a_b', 'a--b', 'a'.repeat(33), '', 'x'];
    for (const name of bad) {
      const r = await app.inject({ method: 'POST', url: '/v1/apps', headers: as(ALICE), payload: { name } });
      expect([name, r.statusCode, r.json().code]).toEqual([name, 400, 'NAME_INVALID']);
    }
    expect(await store.listApps()).toEqual([]);
  });

  it("answers another user's app exactly as a missing one: 404 (reliability 4)", async () => {
    const made = await app.inject({ method: 'POST', url: '/v1/apps', headers: as(ALICE), payload: { name: 'alices' } });
    expect(made.statusCode).toBe(201);
    const theirs = await app.inject({ method: 'GET', url: '/v1/apps/alices', headers: as(BOB) });
    const missing = await app.inject({ method: 'GET', url: '/v1/apps/nobodys', headers: as(BOB) });
    expect([theirs.statusCode, missing.statusCode]).toEqual([404, 404]);
    expect(theirs.json().message.replace('alices', 'X')).toBe(missing.json().message.replace('nobodys', 'X'));
    for (const method of ['DELETE', 'POST'] as const) {
      const url = method === 'POST' ? '/v1/apps/alices/pushes' : '/v1/apps/alices';
      const r = await app.inject({ method, url, headers: { ...as(BOB), 'content-type': 'application/gzip' }, payload: Buffer.alloc(0) });
      expect(r.statusCode).toBe(404);
    }
    expect((await app.inject({ method: 'GET', url: '/v1/apps', headers: as(BOB) })).json()).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/v1/apps/alices', headers: as(ADMIN) })).statusCode).toBe(200);
  });

  it('refuses a second app with the same name with 409 APP_EXISTS', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/apps', headers: as(BOB), payload: { name: 'alices' } });
    expect([r.statusCode, r.json().code]).toEqual([409, 'APP_EXISTS']);
  });

  it('answers unknown routes and malformed bodies with catalogue codes', async () => {
    const nf = await app.inject({ method: 'GET', url: '/v1/nothing', headers: as(BOB) });
    expect([nf.statusCode, nf.json().code]).toEqual([404, 'NOT_FOUND']);
    const bad = await app.inject({ method: 'POST', url: '/v1/apps', headers: { ...as(BOB), 'content-type': 'application/json' }, payload: '{"name":' });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'BAD_REQUEST']);
  });
});
