import { connect } from 'node:net';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Resources, putTable, rawExchange, send, sleep, startBackend, startTestRouter, table } from './helpers.js';

const res = new Resources();
afterEach(() => res.cleanup());

async function routerWithApp(overrides = {}) {
  const app = await startBackend(res, 'app');
  const router = await startTestRouter(res, overrides);
  await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'a1', port: app.port }] } }));
  return { app, router };
}

describe('bad and slow clients', () => {
  it('answers a body over the limit with 413 without reaching the app (Content-Length)', async () => {
    const { app, router } = await routerWithApp({ maxBodyBytes: 1_000 });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: router.handle.port, method: 'POST', path: '/up', headers: { host: 'app.localhost', 'content-length': '5000' } }, (r) => {
        r.resume();
        resolve(r.statusCode!);
      });
      req.on('error', reject);
      req.write('x'.repeat(100)); // headers plus a little; the router must not wait for the rest
    });
    expect(status).toBe(413);
    expect(app.seen).toEqual([]);
    expect(router.logs.some((l) => l.code === 'BODY_TOO_LARGE' && l.status === 413)).toBe(true);
    // A body within the limit still passes.
    expect((await send(router.handle.port, { host: 'app.localhost', method: 'POST', body: 'x'.repeat(1_000) })).status).toBe(200);
  });

  it('answers a chunked body that grows over the limit with 413', async () => {
    const seenBytes: number[] = [];
    const app = await startBackend(res, 'app', (req, r) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('error', () => undefined);
      req.on('end', () => {
        seenBytes.push(n);
        r.end('ok');
      });
    });
    const router = await startTestRouter(res, { maxBodyBytes: 10_000 });
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'a1', port: app.port }] } }));
    const reply = await rawExchange(
      router.handle.port,
      'POST /up HTTP/1.1\r\nHost: app.localhost\r\nTransfer-Encoding: chunked\r\n\r\n' + `4e20\r\n${'y'.repeat(20_000)}\r\n0\r\n\r\n`,
    );
    expect(reply).toMatch(/^HTTP\/1.1 413 /);
    expect(reply).toContain('BODY_TOO_LARGE');
    expect(seenBytes.every((n) => n <= 10_000)).toBe(true);
  });

  it('answers malformed requests with 400 and keeps serving', async () => {
    const { router } = await routerWithApp();
    expect(await rawExchange(router.handle.port, 'GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    expect(await rawExchange(router.handle.port, 'GET / HTTP/1.1\r\nHost: app.localhost\r\nContent-Length: abc\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    expect(await rawExchange(router.handle.port, 'GET / HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /); // no Host
    expect(await rawExchange(router.handle.port, 'GET http://app.localhost/x HTTP/1.1\r\nHost: app.localhost\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1.1 400 /);
    expect(router.logs.filter((l) => l.code === 'BAD_REQUEST').length).toBe(4);
    expect((await send(router.handle.port, { host: 'app.localhost' })).status).toBe(200);
  });

  it('answers a client that does not finish its headers in time with 408 while serving others', async () => {
    const { router } = await routerWithApp({ headersTimeoutMs: 300 });
    const started = Date.now();
    const slow = new Promise<{ text: string; ms: number }>((resolve) => {
      const socket = connect(router.handle.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (c) => chunks.push(c));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ text: Buffer.concat(chunks).toString(), ms: Date.now() - started }));
      socket.write('GET / HTTP/1.1\r\nHost: app.loc');
      const drip = setInterval(() => (socket.writable ? socket.write('a') : clearInterval(drip)), 50);
      socket.on('close', () => clearInterval(drip));
    });
    // Meanwhile everyone else is served promptly.
    let served = 0;
    while (Date.now() - started < 250) {
      const r = await send(router.handle.port, { host: 'app.localhost' });
      expect(r.status).toBe(200);
      served += 1;
      await sleep(10);
    }
    const { text, ms } = await slow;
    expect(text).toMatch(/^HTTP\/1.1 408 /);
    expect(ms).toBeLessThan(2_000);
    expect(served).toBeGreaterThan(5);
    expect(router.logs.some((l) => l.code === 'REQUEST_TIMEOUT' && l.status === 408)).toBe(true);
    expect((await send(router.handle.port, { host: 'app.localhost' })).status).toBe(200);
  });
});
