import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEdges } from '../src/app-edges.js';
import { buildApp } from '../src/app.js';
import { RouteTableManager } from '../src/route-table.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { hashToken } from '../src/tokens.js';
import { pgliteDataDir } from './helpers/pg.js';
import { RecordingRouter } from './helpers/scheduler.js';
import { testPlatform } from './helpers/test-platform.js';

// The domain and HTTPS routes over HTTP, on a real PGlite store and a route
// table that keeps the router's table like the router does.

let app: FastifyInstance;
let store: Store;
let cleanup: () => Promise<void>;
const router = new RecordingRouter();
const changed: string[] = [];
const ALICE = 'paas_alice-token-for-domains';
const BOB = 'paas_bob-token-for-domains';
const as = (token: string) => ({ authorization: `Bearer ${token}` });
const target = { id: 'shop.www.v1.1.abc', host: '127.0.0.1', port: 4000 };

beforeAll(async () => {
  const dir = await pgliteDataDir();
  cleanup = dir.cleanup;
  store = await openStore({ dataDir: dir.dataDir });
  await store.createUser('alice', false, hashToken(ALICE));
  await store.createUser('bob', false, hashToken(BOB));
  for (const [name, owner] of [['shop', 'alice'], ['blog', 'alice'], ['bobs', 'bob']] as const) await store.createApp(name, owner);
  const base = testPlatform(store, { PAAS_HOME: dir.dataDir, PAAS_DOMAIN: 'paas.test', PAAS_ROUTER_PORT: '8080' });
  const routes = new RouteTableManager(router, { domain: 'paas.test', load: (a) => loadEdges(store, a) });
  await routes.init();
  // shop runs: its first web service has <app>.<domain>.
  await routes.setApp('shop', new Map([['shop.paas.test', { app: 'shop', service: 'www', targets: [target] }]]));
  app = buildApp({ ...base, routes, certificates: { domainsChanged: (a) => void changed.push(a) } });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await store?.close();
  await cleanup?.();
});

const add = (name: unknown, appName = 'shop', token = ALICE) =>
  app.inject({ method: 'POST', url: `/v1/apps/${appName}/domains`, headers: as(token), payload: { name } });
const remove = (name: string, appName = 'shop', token = ALICE) =>
  app.inject({ method: 'DELETE', url: `/v1/apps/${appName}/domains/${encodeURIComponent(name)}`, headers: as(token) });

describe('domain routes', () => {
  it('adds a domain (201), routed to the app before the answer; again on the same app is 200 and changes nothing', async () => {
    const r = await add('WWW.Shop.Example.');
    expect(r.statusCode).toBe(201);
    expect(r.json()).toEqual({
      name: 'www.shop.example', app: 'shop', wildcard: false, url: 'http://www.shop.example:8080', target: 'shop.paas.test', createdAt: expect.any(String), created: true,
    });
    expect(router.table.routes['www.shop.example']).toEqual({ app: 'shop', service: 'www', targets: [target] });
    expect(changed).toEqual(['shop']);
    const tables = router.tables.length;
    const again = await add('www.shop.example');
    expect([again.statusCode, again.json().created]).toEqual([200, false]);
    expect(router.tables.length).toBe(tables);
    expect(changed).toEqual(['shop']);
    const events = await store.listEvents('shop');
    expect(events.filter((e) => e.action === 'domain.add')).toHaveLength(1);
  });

  it('a wildcard is added and listed as one', async () => {
    const r = await add('*.shop.example');
    expect([r.statusCode, r.json().wildcard, r.json().url]).toEqual([201, true, null]);
    expect(router.table.routes['*.shop.example']?.app).toBe('shop');
    const list = await app.inject({ method: 'GET', url: '/v1/apps/shop/domains', headers: as(ALICE) });
    expect(list.json().map((d: { name: string }) => d.name)).toEqual(['*.shop.example', 'www.shop.example']);
  });

  it('the same domain on another app is 409 DOMAIN_TAKEN, whoever owns it, and the route stays', async () => {
    for (const [appName, token] of [['blog', ALICE], ['bobs', BOB]] as const) {
      const r = await add('www.shop.example', appName, token);
      expect([appName, r.statusCode, r.json().code]).toEqual([appName, 409, 'DOMAIN_TAKEN']);
    }
    expect(router.table.routes['www.shop.example']?.app).toBe('shop');
    expect(await store.listDomains('blog')).toEqual([]);
  });

  it('refuses bad names with 400 DOMAIN_INVALID, names under PAAS_DOMAIN included, and stores nothing', async () => {
    for (const name of ['*.', 'a..b', `${'a'.repeat(64)}.com`, 'a b.com', 'localhost', '*.localhost', 'x.com/y', 'x.com:80', 'http://x.com', '1.2.3.4', 'paas.test', 'shop.paas.test', '*.paas.test', '', 42, null]) {
      const r = await add(name);
      expect([name, r.statusCode, r.json().code]).toEqual([name, 400, 'DOMAIN_INVALID']);
    }
    expect((await store.listDomains('shop')).map((d) => d.name)).toEqual(['*.shop.example', 'www.shop.example']);
  });

  it("answers another user's app as a missing one, and needs a token", async () => {
    expect((await add('x.example.org', 'shop', BOB)).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/v1/apps/shop/domains', headers: as(BOB) })).statusCode).toBe(404);
    expect((await remove('www.shop.example', 'shop', BOB)).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/v1/apps/shop/domains' })).statusCode).toBe(401);
    expect(router.table.routes['www.shop.example']?.app).toBe('shop');
  });

  it('removes a domain (204), unrouted before the answer; a domain the app does not have is 404 DOMAIN_NOT_FOUND', async () => {
    const r = await remove('WWW.shop.example');
    expect(r.statusCode).toBe(204);
    expect(router.table.routes['www.shop.example']).toBeUndefined();
    expect(router.table.routes['*.shop.example']?.app).toBe('shop');
    expect(changed.at(-1)).toBe('shop');
    const again = await remove('www.shop.example');
    expect([again.statusCode, again.json().code]).toEqual([404, 'DOMAIN_NOT_FOUND']);
    const bad = await remove('x.com:80');
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'DOMAIN_INVALID']);
    expect((await remove('*.shop.example')).statusCode).toBe(204);
    expect(Object.keys(router.table.routes)).toEqual(['shop.paas.test']);
  });
});

describe('https routes', () => {
  it('is off by default, and each PUT changes only the fields it names, on every host of the app', async () => {
    await add('www.shop.example');
    const get = async () => (await app.inject({ method: 'GET', url: '/v1/apps/shop/https', headers: as(ALICE) })).json();
    const put = (payload: unknown) => app.inject({ method: 'PUT', url: '/v1/apps/shop/https', headers: as(ALICE), payload: payload as object });
    expect(await get()).toEqual({ redirect: false, hstsMaxAge: null });
    expect((await put({ redirect: true })).json()).toEqual({ redirect: true, hstsMaxAge: null });
    expect((await put({ hstsMaxAge: 600 })).json()).toEqual({ redirect: true, hstsMaxAge: 600 });
    expect(await get()).toEqual({ redirect: true, hstsMaxAge: 600 });
    for (const host of ['shop.paas.test', 'www.shop.example']) {
      expect(router.table.routes[host], host).toMatchObject({ httpsRedirect: true, hstsMaxAge: 600 });
    }
    expect((await put({ redirect: false, hstsMaxAge: null })).json()).toEqual({ redirect: false, hstsMaxAge: null });
    expect(router.table.routes['shop.paas.test']).toEqual({ app: 'shop', service: 'www', targets: [target] });
  });

  it('refuses bad values with 400 BAD_REQUEST and changes nothing', async () => {
    for (const payload of [{ redirect: 'yes' }, { hstsMaxAge: -1 }, { hstsMaxAge: 1.5 }, { hstsMaxAge: 63_072_001 }, { hstsMaxAge: '600' }, { other: true }, [true]]) {
      const r = await app.inject({ method: 'PUT', url: '/v1/apps/shop/https', headers: as(ALICE), payload: payload as object });
      expect([JSON.stringify(payload), r.statusCode, r.json().code]).toEqual([JSON.stringify(payload), 400, 'BAD_REQUEST']);
    }
    expect(await store.getHttps('shop')).toMatchObject({ redirect: false, hstsMaxAge: null });
    expect((await app.inject({ method: 'PUT', url: '/v1/apps/bobs/https', headers: as(ALICE), payload: { redirect: true } })).statusCode).toBe(404);
  });
});
