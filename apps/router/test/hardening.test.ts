import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { readdir } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Resources, control, putTable, rawExchange, send, sleep, startBackend, startTestRouter, table, type Backend } from './helpers.js';

const res = new Resources();
afterEach(() => res.cleanup());

describe('wildcard hosts', () => {
  it('matches one label under *.domain, exact names win, and a literal "*" Host matches nothing', async () => {
    const exact = await startBackend(res, 'exact');
    const any = await startBackend(res, 'any');
    const router = await startTestRouter(res);
    await putTable(router, table(1, {
      'blog.example.com': { targets: [{ id: 'e1', port: exact.port }] },
      '*.example.com': { app: 'any', targets: [{ id: 'w1', port: any.port }] },
    }));
    const who = async (host: string) => {
      const r = await send(router.handle.port, { host });
      return r.status === 200 ? r.headers['x-backend'] : r.status;
    };
    expect(await who('blog.example.com')).toBe('exact');
    expect(await who('Shop.Example.com:8080')).toBe('any');
    expect(await who('a.b.example.com')).toBe(404);
    expect(await who('example.com')).toBe(404);
    expect(await who('*.example.com')).toBe(404);
    expect(await who('shop.example.org')).toBe(404);
  });

  it('refuses wildcard keys that are not *.<two labels or more>, and keeps the redirect and HSTS fields', async () => {
    const router = await startTestRouter(res);
    const port = router.handle.controlPort;
    for (const host of ['*', '*.', '*.com', 'a.*.example.com', '*.*.example.com', '*example.com', '*.Example.com']) {
      const r = await control(port, 'PUT', '/routes', { version: 1, routes: { [host]: { app: 'a', service: 'www', targets: [] } } });
      expect(r.status, host).toBe(400);
      expect(r.json).toMatchObject({ code: 'TABLE_INVALID', path: `routes.${host}` });
    }
    const entry = { app: 'a', service: 'www', targets: [], httpsRedirect: true, hstsMaxAge: 600, extra: 'dropped' };
    expect((await control(port, 'PUT', '/routes', { version: 1, routes: { 'a.test': { ...entry, hstsMaxAge: -1 } } })).json).toMatchObject({ path: 'routes.a.test.hstsMaxAge' });
    expect((await control(port, 'PUT', '/routes', { version: 1, routes: { 'a.test': { ...entry, httpsRedirect: 'yes' } } })).json).toMatchObject({ path: 'routes.a.test.httpsRedirect' });
    expect((await control(port, 'PUT', '/routes', { version: 1, routes: { '*.a.test': entry } })).status).toBe(200);
    expect((await control(port, 'GET', '/routes')).json).toEqual({ version: 1, routes: { '*.a.test': { app: 'a', service: 'www', targets: [], httpsRedirect: true, hstsMaxAge: 600 } } });
  });
});

describe('HTTP → HTTPS redirect and ACME answers', () => {
  it('redirects with 308 to the HTTPS port, and answers ACME challenges for any Host before routing and redirecting', async () => {
    const app = await startBackend(res, 'app');
    const router = await startTestRouter(res);
    const t = table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] }, 'b.test': { targets: [{ id: 'a1', port: app.port }] } });
    t.routes['a.test']!.httpsRedirect = true;
    await putTable(router, t);
    const tls = router.handle.tlsPort!;

    const r = await send(router.handle.port, { host: 'A.test:8080', path: '/p/q?x=1' });
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe(`https://a.test:${tls}/p/q?x=1`);
    const post = await send(router.handle.port, { host: 'a.test', method: 'POST', path: '/form', body: 'x=1' });
    expect(post.status).toBe(308);
    expect(post.headers.connection).toBe('close');
    expect((await send(router.handle.port, { host: 'b.test' })).status).toBe(200); // no redirect asked
    expect(app.seen).toEqual(['GET /']);

    const port = router.handle.controlPort;
    expect((await control(port, 'PUT', '/acme-challenges', { challenges: { 'tok_1-A': 'tok_1-A.thumb-print' } })).status).toBe(200);
    for (const host of ['a.test', 'unrouted.example', '127.0.0.1']) {
      const c = await send(router.handle.port, { host, path: '/.well-known/acme-challenge/tok_1-A' });
      expect(c.status, host).toBe(200);
      expect(c.headers['content-type']).toBe('text/plain');
      expect(c.body).toBe('tok_1-A.thumb-print');
    }
    const unknown = await send(router.handle.port, { host: 'a.test', path: '/.well-known/acme-challenge/other' });
    expect(unknown.status).toBe(404);
    // The whole map is replaced.
    await control(port, 'PUT', '/acme-challenges', { challenges: { t2: 't2.x' } });
    expect((await send(router.handle.port, { host: 'b.test', path: '/.well-known/acme-challenge/tok_1-A' })).status).toBe(404);
    expect((await send(router.handle.port, { host: 'b.test', path: '/.well-known/acme-challenge/t2' })).body).toBe('t2.x');
    // Challenges are plain-HTTP only; the app never saw any of them.
    expect(app.seen).toEqual(['GET /']);
    for (const bad of [{}, { challenges: [] }, { challenges: { 'a b': 'x' } }, { challenges: { a: 'x y' } }, { challenges: { a: 1 } }]) {
      expect((await control(port, 'PUT', '/acme-challenges', bad)).status, JSON.stringify(bad)).toBe(400);
    }
  });
});

describe('malformed Host', () => {
  it('answers two Host headers and a non-numeric port with 400, logged BAD_REQUEST, and keeps serving', async () => {
    const app = await startBackend(res, 'app');
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] }, 'b.test': { targets: [{ id: 'b1', port: app.port }] } }));
    const p = router.handle.port;
    expect(await rawExchange(p, 'GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    expect(await rawExchange(p, 'GET / HTTP/1.1\r\nHost: a.test\r\nhost: a.test\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    expect(await rawExchange(p, 'GET / HTTP/1.1\r\nHost: a.test:80x\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    expect(await rawExchange(p, 'GET / HTTP/1.1\r\nHost: a.test:-1\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    expect(await rawExchange(p, 'GET / HTTP/1.1\r\nHost: [::1]x\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    expect(await rawExchange(p, 'GET / HTTP/1.1\r\nHost: a.test:8080\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 200 /);
    // The same on the upgrade path.
    expect(await rawExchange(p, 'GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    expect(app.seen).toEqual(['GET /']);
    const bad = router.logs.filter((l) => l.code === 'BAD_REQUEST' && l.status === 400);
    expect(bad.map((l) => l.message)).toEqual([
      'two Host headers', 'two Host headers',
      'the Host header is not a name with an optional numeric port', 'the Host header is not a name with an optional numeric port', 'the Host header is not a name with an optional numeric port',
      'two Host headers',
    ]);
  });
});

describe('forwarding headers', () => {
  const spoof = { 'x-forwarded-for': '10.0.0.1', 'x-real-ip': '10.0.0.2', forwarded: 'for=10.0.0.3' };

  it('appends to them only for a trusted proxy', async () => {
    const app = await startBackend(res, 'app');
    const trusting = await startTestRouter(res, { trustedProxies: ['127.0.0.0/8'] });
    await putTable(trusting, table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } }));
    await send(trusting.handle.port, { host: 'a.test', headers: spoof });
    expect(app.lastHeaders).toMatchObject({ 'x-forwarded-for': '10.0.0.1, 127.0.0.1', 'x-real-ip': '10.0.0.2', forwarded: 'for=10.0.0.3, for=127.0.0.1;proto=http' });

    const other = await startTestRouter(res, { trustedProxies: ['10.0.0.0/8', '::2'] });
    await putTable(other, table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } }));
    await send(other.handle.port, { host: 'a.test', headers: spoof });
    expect(app.lastHeaders).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1', forwarded: 'for=127.0.0.1;proto=http' });
  });
});

/** Opens a request with `Content-Length: length`, writes `first`, then nothing until the returned socket is used. */
function startSlowBody(port: number, host: string, length: number, first: string): { socket: Socket; reply: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  socket.on('error', () => undefined);
  const reply = new Promise<string>((resolve) => socket.on('close', () => resolve(Buffer.concat(chunks).toString())));
  socket.write(`POST /slow HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${length}\r\n\r\n${first}`);
  res.add(() => {
    socket.destroy();
  });
  return { socket, reply };
}

function echoBody(): (req: import('node:http').IncomingMessage, r: import('node:http').ServerResponse, b: Backend) => void {
  return (req, r) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => r.end(`got ${Buffer.concat(chunks).length} ${Buffer.concat(chunks).subarray(0, 20).toString()}`));
  };
}

describe('slow request bodies', () => {
  it('cuts a body that stops arriving with 408 (in memory and spooled bodies), and serves others meanwhile', async () => {
    const app = await startBackend(res, 'app', echoBody());
    const router = await startTestRouter(res, { bodyIdleMs: 300, bodyBufferBytes: 1024 });
    await putTable(router, table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } }));
    const started = Date.now();
    const small = startSlowBody(router.handle.port, 'a.test', 100, 'x'.repeat(10));
    const large = startSlowBody(router.handle.port, 'a.test', 100_000, 'y'.repeat(5_000));
    for (let i = 0; i < 5; i++) expect((await send(router.handle.port, { host: 'a.test', method: 'POST', body: 'quick' })).body).toBe('got 5 quick');
    const [a, b] = await Promise.all([small.reply, large.reply]);
    expect(a).toMatch(/^HTTP\/1.1 408 /);
    expect(a).toContain('REQUEST_TIMEOUT');
    expect(b).toMatch(/^HTTP\/1.1 408 /);
    expect(Date.now() - started).toBeLessThan(3_000);
    // Neither reached the app, and the spooled one's file is gone.
    expect(app.seen.filter((s) => s === 'POST /slow')).toEqual([]);
    expect(router.logs.filter((l) => l.code === 'REQUEST_TIMEOUT' && l.status === 408)).toHaveLength(2);
    await expect.poll(() => readdir(router.spoolDir)).toEqual([]);
    // A body that keeps coming, however slowly, is not cut by the idle timeout.
    const steady = startSlowBody(router.handle.port, 'a.test', 6, 'h');
    for (const c of 'ello!') {
      await sleep(150);
      steady.socket.write(c);
    }
    expect(await Promise.race([steady.reply, new Promise<string>((r) => steady.socket.once('data', (d) => r(d.toString())))])).toMatch(/^HTTP\/1.1 200 [\s\S]*got 6 hello!$/);
  });

  it('holds small bodies until complete: 60 trickling clients never occupy an app connection', async () => {
    let appConnections = 0;
    const app = await startBackend(res, 'app', echoBody());
    app.server.on('connection', () => (appConnections += 1));
    const router = await startTestRouter(res, { bodyIdleMs: 5_000 });
    await putTable(router, table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } }));
    const slow = Array.from({ length: 60 }, () => startSlowBody(router.handle.port, 'a.test', 3, 'a'));
    await sleep(200);
    for (const s of slow) s.socket.write('b');
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) expect((await send(router.handle.port, { host: 'a.test', method: 'POST', body: `n${i}` })).body).toBe(`got ${`n${i}`.length} n${i}`);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(app.seen.filter((s) => s === 'POST /slow')).toEqual([]);
    // Sequential quick requests reuse one keep-alive upstream connection.
    expect(appConnections).toBeLessThanOrEqual(2);
    // Each slow body, once complete, reaches the app whole.
    const replies = slow.map((s) => new Promise<string>((resolve) => {
      let text = '';
      s.socket.on('data', (d) => {
        text += d.toString();
        if (text.includes('got')) resolve(text);
      });
      s.socket.on('close', () => resolve(text));
    }));
    for (const s of slow) s.socket.write('c');
    for (const r of await Promise.all(replies)) expect(r).toMatch(/^HTTP\/1.1 200 [\s\S]*got 3 abc$/);
  });

  it('spools slow uploads over the buffer size: the app sees none of them until complete, and others are served meanwhile', async () => {
    let appConnections = 0;
    const app = await startBackend(res, 'app', echoBody());
    app.server.on('connection', () => (appConnections += 1));
    const router = await startTestRouter(res, { upstreamConnections: 4, bodyBufferBytes: 1024, bodyIdleMs: 5_000 });
    await putTable(router, table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } }));
    // More stalled uploads than the app has connections: had they been sent on, they would hold them all.
    const uploads = Array.from({ length: 10 }, () => startSlowBody(router.handle.port, 'a.test', 100_000, 'u'.repeat(2_000)));
    await expect.poll(() => readdir(router.spoolDir).then((f) => f.length)).toBe(10);
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) expect((await send(router.handle.port, { host: 'a.test' })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await send(router.handle.port, { host: 'a.test', method: 'POST', body: 'small' })).body).toBe('got 5 small');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(app.seen.filter((s) => s === 'POST /slow')).toEqual([]);
    expect(appConnections).toBeLessThanOrEqual(2);
    for (const u of uploads) u.socket.destroy();
    await expect.poll(() => readdir(router.spoolDir)).toEqual([]);
  });

  it('spools a chunked body larger than the buffer, and buffers a small chunked one, byte for byte, sent with its length', async () => {
    const app = await startBackend(res, 'app', (req, r) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => r.end(Buffer.concat(chunks)));
    });
    const router = await startTestRouter(res, { bodyBufferBytes: 64 * 1024 });
    await putTable(router, table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } }));
    for (const size of [10, 200_000]) {
      const body = Buffer.alloc(size);
      for (let i = 0; i < size; i++) body[i] = (i * 7) % 251;
      const echoed = await new Promise<Buffer>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: router.handle.port, method: 'PUT', path: '/', headers: { host: 'a.test', 'transfer-encoding': 'chunked' } }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => resolve(Buffer.concat(chunks)));
        });
        req.on('error', reject);
        for (let off = 0; off < size; off += 16_384) req.write(body.subarray(off, off + 16_384));
        req.end();
      });
      expect(echoed.equals(body), `size ${size}`).toBe(true);
      expect(app.lastHeaders?.['content-length']).toBe(String(size));
      expect(app.lastHeaders?.['transfer-encoding']).toBeUndefined();
    }
  });
});

describe('apps that do not answer', () => {
  /** Answers /slow never (until the test ends), anything else at once. */
  const wedgedOnSlow = (req: import('node:http').IncomingMessage, r: import('node:http').ServerResponse): void => {
    req.resume();
    if (req.url === '/slow') return;
    r.writeHead(200, { 'content-type': 'text/plain' });
    r.end('quick');
  };

  it("end as 504 after the route's own timeout, holding no connection, and the app is not ejected", async () => {
    const app = await startBackend(res, 'app', wedgedOnSlow);
    const router = await startTestRouter(res, { upstreamHeadersTimeoutMs: 60_000 });
    const t = table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } });
    t.routes['a.test']!.timeoutMs = 300;
    await putTable(router, t);
    const started = Date.now();
    const r = await send(router.handle.port, { host: 'a.test', path: '/slow' });
    expect(r.status).toBe(504);
    expect(JSON.parse(r.body)).toEqual({ code: 'UPSTREAM_TIMEOUT', message: 'The app did not answer in time: no response within 0.3 s' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(router.logs.filter((l) => l.code === 'UPSTREAM_TIMEOUT' && l.status === 504)).toHaveLength(1);
    // The wedged request's connection was closed on the app's side too.
    await expect.poll(() => new Promise<number>((resolve) => app.server.getConnections((_e, n) => resolve(n))), { timeout: 2_000 }).toBeLessThanOrEqual(1);
    // Slow is not dead: the next request is served by the same target.
    expect((await send(router.handle.port, { host: 'a.test', path: '/' })).body).toBe('quick');
  });

  it("without a route timeout the router's default applies", async () => {
    const app = await startBackend(res, 'app', wedgedOnSlow);
    const router = await startTestRouter(res, { upstreamHeadersTimeoutMs: 400 });
    await putTable(router, table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } }));
    const r = await send(router.handle.port, { host: 'a.test', path: '/slow' });
    expect([r.status, JSON.parse(r.body).message]).toEqual([504, 'The app did not answer in time: no response within 0.4 s']);
  });

  it("one app's wedged requests do not delay another app's", async () => {
    const wedged = await startBackend(res, 'wedged', wedgedOnSlow);
    const other = await startBackend(res, 'other');
    const router = await startTestRouter(res, { upstreamHeadersTimeoutMs: 60_000, upstreamConnections: 8 });
    const t = table(1, { 'w.test': { targets: [{ id: 'w1', port: wedged.port }] }, 'o.test': { targets: [{ id: 'o1', port: other.port }] } });
    t.routes['w.test']!.timeoutMs = 1_000;
    await putTable(router, t);
    // More wedged requests than the wedged app has connections: they queue on its pool, not the router's.
    const stuck = Array.from({ length: 20 }, () => send(router.handle.port, { host: 'w.test', path: '/slow' }));
    await sleep(200);
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = Date.now();
      expect((await send(router.handle.port, { host: 'o.test', path: '/' })).status).toBe(200);
      times.push(Date.now() - t0);
    }
    expect(Math.max(...times)).toBeLessThan(500);
    const ends = await Promise.all(stuck);
    expect(new Set(ends.map((e) => e.status))).toEqual(new Set([504]));
  });
});
