import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { CertificateManager } from '../src/tls/certificates.js';
import { makeCertificate } from '../src/tls/make-certificate.js';
import { hashToken } from '../src/tokens.js';
import { pgliteDataDir } from './helpers/pg.js';
import { RouterTls } from './helpers/router-tls.js';
import { testPlatform } from './helpers/test-platform.js';

// The certificate routes over HTTP, on a real PGlite store, real files and
// the certificate manager, with a router that keeps sets as the router does.

let app: FastifyInstance;
let store: Store;
let certs: CertificateManager;
let cleanup: () => Promise<void>;
const router = new RouterTls();
const ALICE = 'paas_alice-token-for-certs';
const BOB = 'paas_bob-token-for-certs';
const as = (token: string) => ({ authorization: `Bearer ${token}` });
const DAY = 86_400_000;
const now = Date.now();
const pair = (names: string[]) => makeCertificate({ commonName: names[0] as string, names, notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) });

beforeAll(async () => {
  const dir = await pgliteDataDir();
  cleanup = dir.cleanup;
  store = await openStore({ dataDir: dir.dataDir });
  await store.createUser('alice', false, hashToken(ALICE));
  await store.createUser('bob', false, hashToken(BOB));
  await store.createApp('shop', 'alice');
  await store.createApp('bobs', 'bob');
  await store.addDomain('shop', 'www.shop.example');
  await store.addDomain('bobs', 'www.bobs.example');
  const base = testPlatform(store, { PAAS_HOME: dir.dataDir, PAAS_DOMAIN: 'paas.test' });
  certs = new CertificateManager({ config: base.config, store, control: router, log: () => undefined });
  await certs.start();
  app = buildApp({ ...base, certificates: certs });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await certs?.stop();
  await store?.close();
  await cleanup?.();
});

describe('certificate routes', () => {
  it('need a token, and the app of the caller', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/apps/shop/certs' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/v1/apps/shop/certs', headers: as(BOB) })).statusCode).toBe(404);
    const own = await pair(['www.shop.example']);
    const r = await app.inject({ method: 'POST', url: '/v1/apps/shop/certs', headers: as(BOB), payload: { host: 'www.shop.example', cert: own.cert, key: own.key } });
    expect(r.json()).toMatchObject({ code: 'APP_NOT_FOUND' });
  });

  it('add a checked pair for a domain of the app, list it without the key, and remove it', async () => {
    const own = await pair(['www.shop.example']);
    const added = await app.inject({ method: 'POST', url: '/v1/apps/shop/certs', headers: as(ALICE), payload: { host: 'WWW.shop.example', cert: own.cert, key: own.key } });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ host: 'www.shop.example', source: 'own', status: 'issued', names: ['www.shop.example'], selfSigned: true });
    expect(router.hostsServed()).toContain('www.shop.example');
    const list = await app.inject({ method: 'GET', url: '/v1/apps/shop/certs', headers: as(ALICE) });
    expect(list.json()).toMatchObject({ app: 'shop', acme: false, certificates: [{ host: 'www.shop.example', source: 'own' }], platform: { host: '*.paas.test', source: 'platform', selfSigned: true } });
    expect(list.body).not.toContain('PRIVATE KEY');
    expect((await app.inject({ method: 'DELETE', url: '/v1/apps/shop/certs/www.shop.example', headers: as(ALICE) })).statusCode).toBe(204);
    expect(router.hostsServed()).not.toContain('www.shop.example');
    const again = await app.inject({ method: 'DELETE', url: '/v1/apps/shop/certs/www.shop.example', headers: as(ALICE) });
    expect([again.statusCode, again.json().code]).toEqual([404, 'CERT_NOT_FOUND']);
    // Without a certificate the host is listed as served by the platform's.
    expect((await app.inject({ method: 'GET', url: '/v1/apps/shop/certs', headers: as(ALICE) })).json().certificates).toEqual([
      { host: 'www.shop.example', source: 'none', status: 'none', message: expect.stringContaining('the platform one is served') },
    ]);
  });

  it('refuse bad pairs with their CERT_ code and never echo the key', async () => {
    const own = await pair(['www.shop.example']);
    const other = await pair(['www.shop.example']);
    const send = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/apps/shop/certs', headers: as(ALICE), payload });
    const mismatch = await send({ host: 'www.shop.example', cert: own.cert, key: other.key });
    expect([mismatch.statusCode, mismatch.json().code]).toEqual([400, 'CERT_KEY_MISMATCH']);
    expect(mismatch.body).not.toContain(other.key.split('\n')[1]);
    const bobs = await send({ host: 'www.bobs.example', cert: own.cert, key: own.key });
    expect([bobs.statusCode, bobs.json().code, bobs.json().message]).toEqual([400, 'CERT_HOST_MISMATCH', 'www.bobs.example is not a domain of shop']);
    const notCovered = await send({ host: 'shop.paas.test', cert: own.cert, key: own.key });
    expect(notCovered.json().code).toBe('CERT_HOST_MISMATCH');
    expect((await send({ host: 'www.shop.example', cert: '', key: own.key })).json().code).toBe('CERT_INVALID');
    expect((await send({ host: 'www.shop.example', cert: own.cert, key: 'x'.repeat(70_000) })).json()).toMatchObject({ code: 'CERT_INVALID', message: 'the key file is over 64 KiB' });
    expect((await send({ cert: own.cert, key: own.key })).json().code).toBe('BAD_REQUEST');
    expect(router.hostsServed()).not.toContain('www.shop.example');
  });
});
