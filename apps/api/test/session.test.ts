import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { DASHBOARD_CSP } from '../src/dashboard.js';
import { csrfFor, sessionToken } from '../src/session.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { hashToken } from '../src/tokens.js';
import { pgliteDataDir } from './helpers/pg.js';
import { testPlatform } from './helpers/test-platform.js';

// The dashboard's session over HTTP on a real PGlite store: the cookie, its
// flags, the CSRF value every state-changing call must carry, and the page's
// files served at `/`.

let api: FastifyInstance;
let proxied: FastifyInstance;
let bare: FastifyInstance;
let store: Store;
let dist: string;
let cleanup: () => Promise<void>;
const ADMIN = 'paas_admin-token-for-session-tests';
const ALICE = 'paas_alice-token-for-session-tests';
const cookie = (token: string) => ({ cookie: `other=1; paas_session=${token}` });

beforeAll(async () => {
  const dir = await pgliteDataDir();
  cleanup = dir.cleanup;
  store = await openStore({ dataDir: dir.dataDir });
  await store.createUser('admin', true, hashToken(ADMIN));
  await store.createUser('alice', false, hashToken(ALICE));
  await store.createApp('shop', 'alice');
  await store.createApp('admins-app', 'admin');
  dist = await mkdtemp(join(tmpdir(), 'paas-dashboard-'));
  await mkdir(join(dist, 'assets'));
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>paas</title><script type="module" src="/assets/app-abc123.js"></script>');
  await writeFile(join(dist, 'assets', 'app-abc123.js'), 'console.log(1)');
  api = buildApp(testPlatform(store, { PAAS_HOME: dir.dataDir }), { dashboardDir: dist });
  proxied = buildApp(testPlatform(store, { PAAS_HOME: dir.dataDir, PAAS_API_TRUST_PROXY: '127.0.0.1' }), { dashboardDir: dist });
  bare = buildApp(testPlatform(store, { PAAS_HOME: dir.dataDir }), { dashboardDir: join(dist, 'missing') });
  await Promise.all([api.ready(), proxied.ready(), bare.ready()]);
});
afterAll(async () => {
  await api?.close();
  await proxied?.close();
  await bare?.close();
  await store?.close();
  await cleanup?.();
  if (dist) await rm(dist, { recursive: true, force: true });
});

describe('signing in', () => {
  it('refuses a bad token with 401 and sets no cookie', async () => {
    for (const payload of [{ token: 'paas_nope' }, {}, { token: 42 }]) {
      const r = await api.inject({ method: 'POST', url: '/v1/session', payload });
      expect([r.statusCode, r.json().code, r.headers['set-cookie']]).toEqual([401, 'AUTH_REQUIRED', undefined]);
    }
  });

  it('sets an HttpOnly, SameSite=Strict cookie with the token, and answers who and the CSRF value', async () => {
    const r = await api.inject({ method: 'POST', url: '/v1/session', payload: { token: ALICE } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ name: 'alice', admin: false, csrf: csrfFor(ALICE) });
    const set = String(r.headers['set-cookie']);
    expect(set).toMatch(/^paas_session=paas_alice-token-for-session-tests; /);
    expect(set.split('; ')).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=604800']));
    // Plain HTTP (loopback): a Secure cookie would never come back.
    expect(set).not.toMatch(/Secure/);
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('marks the cookie Secure over HTTPS (behind a trusted proxy)', async () => {
    const r = await proxied.inject({ method: 'POST', url: '/v1/session', payload: { token: ALICE }, headers: { 'x-forwarded-proto': 'https' } });
    expect(String(r.headers['set-cookie']).split('; ')).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Secure']));
    // Without trusting the proxy, the header is ignored.
    const plain = await api.inject({ method: 'POST', url: '/v1/session', payload: { token: ALICE }, headers: { 'x-forwarded-proto': 'https' } });
    expect(String(plain.headers['set-cookie'])).not.toMatch(/Secure/);
  });

  it('refuses a sign-in posted from another site', async () => {
    const r = await api.inject({ method: 'POST', url: '/v1/session', payload: { token: ALICE }, headers: { origin: 'http://evil.example', host: 'localhost:7700' } });
    expect([r.statusCode, r.json().code, r.headers['set-cookie']]).toEqual([403, 'CSRF_INVALID', undefined]);
  });

  it('GET /v1/session answers with the cookie only', async () => {
    const r = await api.inject({ method: 'GET', url: '/v1/session', headers: cookie(ALICE) });
    expect(r.json()).toEqual({ name: 'alice', admin: false, csrf: csrfFor(ALICE) });
    expect((await api.inject({ method: 'GET', url: '/v1/session' })).statusCode).toBe(401);
    expect((await api.inject({ method: 'GET', url: '/v1/session', headers: { authorization: `Bearer ${ALICE}` } })).statusCode).toBe(401);
    expect((await api.inject({ method: 'GET', url: '/v1/session', headers: cookie('paas_wrong') })).statusCode).toBe(401);
  });
});

describe('calls with the cookie', () => {
  it('read what the token may read, and never another user\'s app', async () => {
    const list = await api.inject({ method: 'GET', url: '/v1/apps', headers: cookie(ALICE) });
    expect(list.json().map((a: { name: string }) => a.name)).toEqual(['shop']);
    const other = await api.inject({ method: 'GET', url: '/v1/apps/admins-app', headers: cookie(ALICE) });
    expect([other.statusCode, other.json().code]).toEqual([404, 'APP_NOT_FOUND']);
  });

  it('that change state are refused without the CSRF value, with a wrong one, or from another origin', async () => {
    const tries = [
      {},
      { 'x-paas-csrf': 'nope' },
      { 'x-paas-csrf': csrfFor(ADMIN) },
      { 'x-paas-csrf': csrfFor(ALICE), origin: 'http://evil.example', host: 'localhost:7700' },
    ];
    for (const extra of tries) {
      const r = await api.inject({ method: 'POST', url: '/v1/apps', payload: { name: 'csrf-victim' }, headers: { ...cookie(ALICE), ...extra } });
      expect([r.statusCode, r.json().code]).toEqual([403, 'CSRF_INVALID']);
      expect(r.json().hint).toMatch(/Bearer/);
    }
    const del = await api.inject({ method: 'DELETE', url: '/v1/apps/shop', headers: cookie(ALICE) });
    expect(del.statusCode).toBe(403);
    expect(await store.getApp('csrf-victim')).toBeNull();
    expect(await store.getApp('shop')).not.toBeNull();
  });

  it('that change state pass with the CSRF value from the same origin', async () => {
    const r = await api.inject({
      method: 'POST',
      url: '/v1/apps',
      payload: { name: 'made-in-browser' },
      headers: { ...cookie(ALICE), 'x-paas-csrf': csrfFor(ALICE), origin: 'http://localhost:7700', host: 'localhost:7700' },
    });
    expect(r.statusCode).toBe(201);
    expect((await store.getApp('made-in-browser'))?.owner).toBe('alice');
  });

  it('open a WebSocket only with the CSRF value in the query', async () => {
    const upgrade = { ...cookie(ALICE), connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    const r = await api.inject({ method: 'GET', url: '/v1/apps/shop/run?service=www&tty=1', headers: upgrade });
    expect([r.statusCode, r.json().code]).toEqual([403, 'CSRF_INVALID']);
    const logs = await api.inject({ method: 'GET', url: `/v1/apps/shop/logs?csrf=wrong`, headers: upgrade });
    expect([logs.statusCode, logs.json().code]).toEqual([403, 'CSRF_INVALID']);
  });

  it('with a token header ignore the cookie and need no CSRF value (the CLI)', async () => {
    const r = await api.inject({ method: 'POST', url: '/v1/apps', payload: { name: 'made-by-cli' }, headers: { authorization: `Bearer ${ALICE}`, cookie: 'paas_session=paas_wrong' } });
    expect(r.statusCode).toBe(201);
  });

  it('sign out with the CSRF value: the cookie is cleared', async () => {
    const refused = await api.inject({ method: 'DELETE', url: '/v1/session', headers: cookie(ALICE) });
    expect(refused.statusCode).toBe(403);
    const r = await api.inject({ method: 'DELETE', url: '/v1/session', headers: { ...cookie(ALICE), 'x-paas-csrf': csrfFor(ALICE) } });
    expect(r.statusCode).toBe(204);
    expect(String(r.headers['set-cookie'])).toMatch(/^paas_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
  });

  it('finds the session among other cookies', () => {
    expect(sessionToken('a=1; paas_session=tok; b=2')).toBe('tok');
    expect(sessionToken('paas_session=')).toBeUndefined();
    expect(sessionToken(undefined)).toBeUndefined();
  });
});

describe('the dashboard at /', () => {
  it('serves index.html at / and for the page\'s own paths, with the CSP and no caching', async () => {
    for (const url of ['/', '/apps/shop', '/apps/shop/logs', '/platform']) {
      const r = await api.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      expect([url, r.statusCode]).toEqual([url, 200]);
      expect(r.body).toContain('<title>paas</title>');
      expect(r.headers['content-security-policy']).toBe(DASHBOARD_CSP);
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['cache-control']).toBe('no-cache');
    }
  });

  it('serves hashed assets cached for good', async () => {
    const r = await api.inject({ method: 'GET', url: '/assets/app-abc123.js' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(r.headers['content-type']).toMatch(/javascript/);
  });

  it('keeps API 404s as JSON', async () => {
    for (const [url, accept] of [['/v1/nope', 'text/html'], ['/nope.js', '*/*'], ['/assets/missing.js', '*/*']]) {
      const r = await api.inject({ method: 'GET', url, headers: { accept } });
      expect([url, r.statusCode, r.json().code]).toEqual([url, 404, 'NOT_FOUND']);
    }
  });

  it('says how to build it when it is not built', async () => {
    const r = await bare.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } });
    expect([r.statusCode, r.json().code]).toEqual([404, 'NOT_FOUND']);
    expect(r.json().hint).toMatch(/npm run build/);
  });
});

describe('GET /v1/apps/:app/ps as server-sent events', () => {
  it('sends the instances at once, to the app\'s owner only', async () => {
    await api.listen({ host: '127.0.0.1', port: 0 });
    const port = (api.server.address() as { port: number }).port;
    const first = await new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/v1/apps/shop/ps', headers: { accept: 'text/event-stream', ...cookie(ALICE) } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('\n\n')) {
            resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text });
            req.destroy();
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(first).toEqual({ status: 200, type: 'text/event-stream; charset=utf-8', text: 'event: ps\ndata: []\n\n' });
    const other = await api.inject({ method: 'GET', url: '/v1/apps/admins-app/ps', headers: { accept: 'text/event-stream', ...cookie(ALICE) } });
    expect([other.statusCode, other.json().code]).toEqual([404, 'APP_NOT_FOUND']);
  });
});
