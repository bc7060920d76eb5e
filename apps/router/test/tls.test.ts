import { stat, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WebSocket, WebSocketServer, type ClientOptions } from 'ws';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TlsSet } from '@paas/core';
import { Resources, control, putTable, send, startBackend, startTestRouter, table, tempDir, type TestRouter } from './helpers.js';
import { httpsGet, makeCert, presentedCert, tlsEntry, type TestCert } from './tls-helpers.js';

const res = new Resources();
afterEach(() => res.cleanup());

const certDir = new Resources();
let a: TestCert;
let wild: TestCert;
let fallback: TestCert;
let other: TestCert;
beforeAll(async () => {
  const dir = await tempDir(certDir);
  [a, wild, fallback, other] = await Promise.all([
    makeCert(dir, 'a', ['a.test']),
    makeCert(dir, 'wild', ['*.wild.test']),
    makeCert(dir, 'fallback', ['fallback.test']),
    makeCert(dir, 'other', ['other.test']),
  ]);
  return () => certDir.cleanup();
});

async function putTls(router: TestRouter, set: TlsSet): Promise<void> {
  const r = await control(router.handle.controlPort, 'PUT', '/tls', set);
  if (r.status !== 200) throw new Error(`PUT /tls → ${r.status} ${JSON.stringify(r.json)}`);
}

const fullSet = (version = 1): TlsSet => ({ version, certificates: [tlsEntry(a), tlsEntry(wild), tlsEntry(fallback)], defaultId: fallback.id });

describe('PUT /tls and GET /tls', () => {
  it('checks every certificate, refuses a stale version, saves 0600, summarizes without keys and never logs keys', async () => {
    const router = await startTestRouter(res);
    const port = router.handle.controlPort;
    const bad = async (set: unknown) => (await control(port, 'PUT', '/tls', set)).json;
    expect(await bad({ version: 1, certificates: [{ ...tlsEntry(a), cert: 'not pem' }] })).toMatchObject({ code: 'TLS_SET_INVALID', path: 'certificates.0.cert' });
    expect(await bad({ version: 1, certificates: [{ ...tlsEntry(a), key: other.key }] })).toMatchObject({ code: 'TLS_SET_INVALID', path: 'certificates.0.key', message: expect.stringMatching(/does not match/) });
    expect(await bad({ version: 1, certificates: [{ ...tlsEntry(a), key: 'garbage' }] })).toMatchObject({ code: 'TLS_SET_INVALID', path: 'certificates.0.key' });
    expect(await bad({ version: 1, certificates: [tlsEntry(a, ['A.test'])] })).toMatchObject({ code: 'TLS_SET_INVALID', path: 'certificates.0.hosts.0' });
    expect(await bad({ version: 1, certificates: [tlsEntry(a, ['*.test'])] })).toMatchObject({ code: 'TLS_SET_INVALID', path: 'certificates.0.hosts.0' });
    expect(await bad({ version: 1, certificates: [tlsEntry(a), tlsEntry(a)] })).toMatchObject({ code: 'TLS_SET_INVALID', path: 'certificates.1.id' });
    expect(await bad({ version: 1, certificates: [tlsEntry(a)], defaultId: 'nope' })).toMatchObject({ code: 'TLS_SET_INVALID', path: 'defaultId' });
    expect((await control(port, 'PUT', '/tls', { version: 1, certificates: 'x' })).status).toBe(400);

    await putTls(router, fullSet(5));
    const stale = await control(port, 'PUT', '/tls', fullSet(4));
    expect(stale.status).toBe(409);
    expect(stale.json.code).toBe('TLS_SET_STALE');

    const summary = await control(port, 'GET', '/tls');
    expect(summary.status).toBe(200);
    expect(summary.json).toEqual({
      version: 5,
      defaultId: fallback.id,
      certificates: [a, wild, fallback].map((c) => ({ id: c.id, hosts: c.hosts, notAfter: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })),
    });
    expect(JSON.stringify(summary.json)).not.toContain('PRIVATE KEY');
    const days = (Date.parse(summary.json.certificates[0].notAfter) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29);
    expect(days).toBeLessThan(31);

    const file = join(dirname(router.stateFile), 'tls.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8')).version).toBe(5);
    const logged = JSON.stringify(router.logs);
    expect(logged).not.toContain('PRIVATE KEY');
    expect(logged).not.toContain('BEGIN CERTIFICATE');
    expect((await control(port, 'GET', '/healthz')).json).toMatchObject({ tlsPort: router.handle.tlsPort, tlsVersion: 5 });
  });
});

describe('HTTPS with SNI', () => {
  it('picks the exact name, then the one-label wildcard, then the default; no certificate → handshake refused', async () => {
    const router = await startTestRouter(res);
    const port = router.handle.tlsPort!;
    expect(port).toBeGreaterThan(0);
    // Nothing installed yet: every handshake is refused, with or without SNI, and the router serves on.
    expect(await presentedCert(port, 'a.test')).toHaveProperty('error');
    expect(await presentedCert(port, '')).toHaveProperty('error');

    await putTls(router, fullSet());
    expect(await presentedCert(port, 'a.test')).toMatchObject({ cn: 'a.test' });
    expect(await presentedCert(port, 'A.TEST')).toMatchObject({ cn: 'a.test' });
    expect(await presentedCert(port, 'x.wild.test')).toMatchObject({ cn: '*.wild.test' });
    expect(await presentedCert(port, 'y.x.wild.test')).toMatchObject({ cn: 'fallback.test' }); // two labels: not the wildcard
    expect(await presentedCert(port, 'wild.test')).toMatchObject({ cn: 'fallback.test' });
    expect(await presentedCert(port, 'unknown.test')).toMatchObject({ cn: 'fallback.test' });
    expect(await presentedCert(port, '')).toMatchObject({ cn: 'fallback.test' });

    // A new set takes effect at once: without a default, unknown names and no-SNI clients are refused.
    await putTls(router, { version: 2, certificates: [tlsEntry(a), tlsEntry(other)] });
    expect(await presentedCert(port, 'other.test')).toMatchObject({ cn: 'other.test' });
    expect(await presentedCert(port, 'unknown.test')).toHaveProperty('error');
    expect(await presentedCert(port, '')).toHaveProperty('error');
    expect(router.logs.some((l) => l.code === 'TLS_NO_CERTIFICATE' && l.host === 'unknown.test')).toBe(true);
    expect(await presentedCert(port, 'a.test')).toMatchObject({ cn: 'a.test' });
  });

  it('proxies over TLS with X-Forwarded-Proto https and HSTS where the route asks for it, and keeps serving after a restart', async () => {
    const app = await startBackend(res, 'app');
    const router = await startTestRouter(res);
    const t = table(1, { 'a.test': { app: 'a', targets: [{ id: 'a1', port: app.port }] }, '*.wild.test': { app: 'w', targets: [{ id: 'a1', port: app.port }] } });
    t.routes['a.test']!.hstsMaxAge = 31536000;
    await putTable(router, t);
    await putTls(router, fullSet());

    const r = await httpsGet(router.handle.tlsPort!, { servername: 'a.test', ca: a.cert, path: '/x' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('app GET /x');
    expect(r.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(app.lastHeaders).toMatchObject({ 'x-forwarded-proto': 'https', forwarded: 'for=127.0.0.1;proto=https', host: 'a.test' });

    // The wildcard route over the wildcard certificate, verified by name; no HSTS on that route.
    const w = await httpsGet(router.handle.tlsPort!, { servername: 'blog.wild.test', ca: wild.cert });
    expect(w.status).toBe(200);
    expect(w.headers['strict-transport-security']).toBeUndefined();
    // The wrong CA fails verification (the check is real).
    await expect(httpsGet(router.handle.tlsPort!, { servername: 'a.test', ca: other.cert })).rejects.toThrow();

    // Plain HTTP never carries HSTS.
    const plain = await send(router.handle.port, { host: 'a.test' });
    expect(plain.headers['strict-transport-security']).toBeUndefined();

    // Restart on the same files: HTTPS is served before anyone PUTs anything.
    await router.handle.close();
    const again = await startTestRouter(res, { stateFile: router.stateFile });
    const after = await httpsGet(again.handle.tlsPort!, { servername: 'a.test', ca: a.cert });
    expect(after.status).toBe(200);
    expect(after.headers['strict-transport-security']).toBe('max-age=31536000');
    expect((await control(again.handle.controlPort, 'GET', '/tls')).json.version).toBe(1);
  });

  it('proxies a WebSocket upgrade over TLS', async () => {
    const backend = await startBackend(res, 'ws');
    const wss = new WebSocketServer({ server: backend.server });
    wss.on('connection', (ws, req) => {
      ws.send(`proto ${req.headers['x-forwarded-proto']}`);
      ws.on('message', (d) => ws.send(d));
    });
    res.add(() => {
      for (const c of wss.clients) c.terminate();
      wss.close();
    });
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'a.test': { targets: [{ id: 'w1', port: backend.port }] } }));
    await putTls(router, fullSet());
    // servername (SNI) is passed on to tls.connect; ws's types leave it out.
    const ws = new WebSocket(`wss://127.0.0.1:${router.handle.tlsPort}/ws`, { headers: { host: 'a.test' }, servername: 'a.test', ca: a.cert } as ClientOptions);
    res.add(() => ws.terminate());
    const messages: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('message', (d) => {
        messages.push(d.toString());
        if (messages.length === 1) ws.send('over tls');
        if (messages.length === 2) resolve();
      });
      ws.once('error', reject);
    });
    expect(messages).toEqual(['proto https', 'over tls']);
  });

  it('cluster mode: the primary relays certificate sets and ACME answers to every worker', async () => {
    const app = await startBackend(res, 'app');
    const router = await startTestRouter(res, { workers: 2 });
    await putTable(router, table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } }));
    await putTls(router, fullSet());
    const acme = await control(router.handle.controlPort, 'PUT', '/acme-challenges', { challenges: { tok1: 'tok1.thumb' } });
    expect(acme.status).toBe(200);
    // New connections are spread over both workers: every one must present the set and answer the challenge.
    for (let i = 0; i < 12; i++) {
      expect(await presentedCert(router.handle.tlsPort!, 'x.wild.test')).toMatchObject({ cn: '*.wild.test' });
      const r = await httpsGet(router.handle.tlsPort!, { servername: 'a.test', ca: a.cert });
      expect(r.status).toBe(200);
      const h = await send(router.handle.port, { host: 'anything.example', path: '/.well-known/acme-challenge/tok1' });
      expect(h.body).toBe('tok1.thumb');
    }
    await putTls(router, { version: 2, certificates: [tlsEntry(other)], defaultId: other.id });
    for (let i = 0; i < 6; i++) expect(await presentedCert(router.handle.tlsPort!, 'a.test')).toMatchObject({ cn: 'other.test' });

    // A restarted cluster loads tls.json in the primary and hands it to its workers.
    await router.handle.close();
    const again = await startTestRouter(res, { workers: 2, stateFile: router.stateFile });
    for (let i = 0; i < 4; i++) expect(await presentedCert(again.handle.tlsPort!, 'a.test')).toMatchObject({ cn: 'other.test' });
  }, 30_000);

  it('PAAS_ROUTER_TLS_PORT=off: no TLS listener, redirects are not sent', async () => {
    const app = await startBackend(res, 'app');
    const router = await startTestRouter(res, { tlsPort: null });
    expect(router.handle.tlsPort).toBeNull();
    const t = table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } });
    t.routes['a.test']!.httpsRedirect = true;
    await putTable(router, t);
    const r = await send(router.handle.port, { host: 'a.test' });
    expect(r.status).toBe(200);
  });
});
