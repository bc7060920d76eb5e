import { afterEach, describe, expect, it } from 'vitest';
import { Resources, control, putTable, send, startBackend, startTestRouter, table } from './helpers.js';

const res = new Resources();
afterEach(() => res.cleanup());

describe('routing by Host', () => {
  it('sends each host to its own app, ignoring case and port', async () => {
    const blog = await startBackend(res, 'blog');
    const shop = await startBackend(res, 'shop');
    const router = await startTestRouter(res);
    await putTable(router, table(1, {
      'blog.localhost': { targets: [{ id: 'blog.www.1', port: blog.port }] },
      'shop.localhost': { targets: [{ id: 'shop.www.1', port: shop.port }] },
    }));
    const a = await send(router.handle.port, { host: 'blog.localhost', path: '/a?x=1' });
    const b = await send(router.handle.port, { host: 'SHOP.Localhost:8080', path: '/b' });
    expect(a).toMatchObject({ status: 200, body: 'blog GET /a?x=1' });
    expect(b).toMatchObject({ status: 200, body: 'shop GET /b' });
    expect(a.headers['x-backend']).toBe('blog');
    expect(blog.seen).toEqual(['GET /a?x=1']);
    expect(shop.seen).toEqual(['GET /b']);
  });

  it('sets X-Forwarded-*, X-Real-IP and Forwarded from the socket and drops what the client claimed', async () => {
    const app = await startBackend(res, 'app');
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'a1', port: app.port }] } }));
    await send(router.handle.port, {
      host: 'app.localhost:8080',
      headers: {
        'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', 'keep-alive': 'timeout=5', 'x-custom': 'kept',
        'x-real-ip': '10.0.0.2', forwarded: 'for=10.0.0.3;proto=https',
      },
    });
    expect(app.lastHeaders).toMatchObject({
      host: 'app.localhost:8080',
      'x-forwarded-for': '127.0.0.1',
      'x-real-ip': '127.0.0.1',
      forwarded: 'for=127.0.0.1;proto=http',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'app.localhost:8080',
      'x-custom': 'kept',
    });
    expect(app.lastHeaders?.['keep-alive']).toBeUndefined();
  });

  it('streams a POST body through and the response back', async () => {
    const app = await startBackend(res, 'echo', (req, r) => {
      r.writeHead(201, { 'content-type': 'application/octet-stream' });
      req.pipe(r);
    });
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'echo.localhost': { targets: [{ id: 'e1', port: app.port }] } }));
    const body = 'x'.repeat(300_000);
    const r = await send(router.handle.port, { host: 'echo.localhost', method: 'POST', path: '/up', body, headers: { 'transfer-encoding': 'chunked' } });
    expect(r.status).toBe(201);
    expect(r.body.length).toBe(body.length);
  });

  it('spreads requests over the targets of a host', async () => {
    const one = await startBackend(res, 'one');
    const two = await startBackend(res, 'two');
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'a1', port: one.port }, { id: 'a2', port: two.port }] } }));
    for (let i = 0; i < 10; i++) expect((await send(router.handle.port, { host: 'app.localhost' })).status).toBe(200);
    expect(one.seen.length).toBe(5);
    expect(two.seen.length).toBe(5);
  });
});

describe('errors', () => {
  it('answers an unknown host with 404 ROUTE_NOT_FOUND naming it, and logs one line', async () => {
    const app = await startBackend(res, 'app');
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'a1', port: app.port }] } }));
    const r = await send(router.handle.port, { host: 'other.localhost', path: '/secret?token=abc' });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    expect(r.body).toContain('other.localhost');
    expect(app.seen).toEqual([]);
    const line = router.logs.find((l) => l.code === 'ROUTE_NOT_FOUND');
    expect(line).toMatchObject({ status: 404, host: 'other.localhost', method: 'GET', path: '/secret' });
    expect(JSON.stringify(router.logs)).not.toContain('abc');
  });

  it('answers a suffix or prefix of a known host with 404 (exact match only)', async () => {
    const app = await startBackend(res, 'app');
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'a1', port: app.port }] } }));
    for (const host of ['x.app.localhost', 'app.localhost.evil', 'localhost', '127.0.0.1', 'app.localhos']) {
      const r = await send(router.handle.port, { host });
      expect(r.status, host).toBe(404);
    }
    expect(app.seen).toEqual([]);
  });

  it('answers a known host without targets with 503 NO_HEALTHY_TARGET', async () => {
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'app.localhost': { targets: [] } }));
    const r = await send(router.handle.port, { host: 'app.localhost' });
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).code).toBe('NO_HEALTHY_TARGET');
    expect(router.logs.some((l) => l.code === 'NO_HEALTHY_TARGET' && l.status === 503)).toBe(true);
  });

  it('answers 502 UPSTREAM_FAILED when the only target refuses', async () => {
    const { deadPort } = await import('./helpers.js');
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'dead', port: await deadPort() }] } }));
    const r = await send(router.handle.port, { host: 'app.localhost' });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body).code).toBe('UPSTREAM_FAILED');
  });

  it('control port: missing or bad token → 401, good token → 200', async () => {
    const router = await startTestRouter(res);
    const port = router.handle.controlPort;
    expect((await control(port, 'GET', '/routes', undefined, null)).status).toBe(401);
    expect((await control(port, 'GET', '/routes', undefined, 'Bearer wrong')).status).toBe(401);
    expect((await control(port, 'PUT', '/routes', table(5, {}), 'Bearer wrong')).status).toBe(401);
    expect((await control(port, 'POST', '/drain', { targets: [], timeoutMs: 0 }, 'Basic x')).status).toBe(401);
    expect((await control(port, 'GET', '/healthz', undefined, null)).status).toBe(401);
    expect(router.handle.table().version).toBe(0);
    const ok = await control(port, 'GET', '/healthz');
    expect(ok).toMatchObject({ status: 200, json: { ok: true, version: 0 } });
  });
});
