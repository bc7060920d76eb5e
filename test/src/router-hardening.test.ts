import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp } from './harness/app-dir.js';
import { getVia } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';
import { freePort } from './harness/ports.js';

// Reliability 44–46 against a real platform: router process, engine, a deployed app that echoes its headers.
let p: Platform;
const A = 'hdrs.localhost';
const B = 'other.localhost';
const idleMs = 2_000;

async function deploy(app: string): Promise<void> {
  const dir = await copyApp('test/fixtures/echo-headers');
  const created = await p.paas(['create', app], { cwd: dir });
  expect(created.code, created.stdout + created.stderr).toBe(0);
  const pushed = await p.paas(['push'], { cwd: dir });
  expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
}

beforeAll(async () => {
  p = await startPlatform({ PAAS_ROUTER_BODY_IDLE_MS: String(idleMs), PAAS_ROUTER_TLS_PORT: String(await freePort()) });
  await deploy('hdrs');
  await deploy('other');
});
afterAll(async () => {
  await p?.stop();
});

/** GET /headers with extra headers (arrays are sent as repeated lines); the app's list of [name, value]. */
function headersSeen(extra: Record<string, string | string[]>): Promise<[string, string][]> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: p.routerPort, path: '/headers', headers: { host: A, ...extra }, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as [string, string][]) : reject(new Error(`${res.statusCode} ${body}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Raw bytes in, everything the router answers until it closes (or `waitMs`). */
function raw(text: string, waitMs = 10_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(p.routerPort, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (d) => (out += d.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.write(text);
  });
}

describe('router hardening', () => {
  it('spoofed X-Forwarded-For, Forwarded and X-Real-IP never reach the app as given', async () => {
    const seen = await headersSeen({
      'x-forwarded-for': ['6.6.6.6', '7.7.7.7, 8.8.8.8'],
      forwarded: 'for=6.6.6.6;proto=https',
      'x-real-ip': '6.6.6.6',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
    });
    const values = (name: string): string[] => seen.filter(([k]) => k === name).map(([, v]) => v);
    const text = JSON.stringify(seen);
    for (const spoofed of ['6.6.6.6', '7.7.7.7', '8.8.8.8', 'evil.example']) expect(text).not.toContain(spoofed);
    // One value each, set from the socket the router accepted.
    const [client] = values('x-forwarded-for');
    expect(values('x-forwarded-for')).toEqual([client]);
    expect(client).toMatch(/^[\d.:a-f]+$/);
    expect(values('x-real-ip')).toEqual([client]);
    expect(values('forwarded')).toEqual([`for=${client!.includes(':') ? `"[${client}]"` : client};proto=http`]);
    expect(values('x-forwarded-proto')).toEqual(['http']);
    expect(values('x-forwarded-host')).toEqual([A]);
  });

  it('two Host headers → 400; a Host with a non-numeric port → 400; the app never sees them', async () => {
    const before = (await getVia(p.routerPort, A, '/posts')).body;
    expect(await raw(`POST / HTTP/1.1\r\nHost: ${A}\r\nHost: ${B}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1.1 400 [\s\S]*BAD_REQUEST/);
    expect(await raw(`POST / HTTP/1.1\r\nHost: ${A}:80abc\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1.1 400 [\s\S]*BAD_REQUEST/);
    expect(await raw(`POST / HTTP/1.1\r\nHost: ${A}:${p.routerPort}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1.1 200 /);
    const after = JSON.parse((await getVia(p.routerPort, A, '/posts')).body) as { started: number };
    expect(after.started).toBe((JSON.parse(before) as { started: number }).started + 1);
  });

  it('300 slow-body clients on one app leave other clients of that app and of another app served', async () => {
    const before = JSON.parse((await getVia(p.routerPort, A, '/posts')).body) as { started: number };
    const slow: Socket[] = [];
    let trickle: NodeJS.Timeout | undefined;
    const timings: { host: string; status: number | string; ms: number }[] = [];
    try {
      // Each announces 1,000 bytes and sends one byte per second: never idle long enough to be cut.
      for (let i = 0; i < 300; i++) {
        const s = connect(p.routerPort, '127.0.0.1');
        s.on('error', () => undefined);
        s.write(`POST /slow HTTP/1.1\r\nHost: ${A}\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nx`);
        slow.push(s);
      }
      trickle = setInterval(() => {
        for (const s of slow) if (s.writable) s.write('x');
      }, 1_000);
      // Meanwhile another client of the same app, and a client of another app, for 8 s.
      const until = Date.now() + 8_000;
      let i = 0;
      while (Date.now() < until) {
        const host = i++ % 2 === 0 ? A : B;
        const t0 = Date.now();
        try {
          const r = await getVia(p.routerPort, host, '/');
          timings.push({ host, status: r.status, ms: Date.now() - t0 });
        } catch (err) {
          timings.push({ host, status: (err as Error).message, ms: Date.now() - t0 });
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      // A quick POST to the same app goes through too.
      const post = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: p.routerPort, method: 'POST', path: '/quick', headers: { host: A, 'content-type': 'text/plain' }, agent: false }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${body}`));
        });
        req.on('error', reject);
        req.end('hello');
      });
      expect(post).toBe('200 got 5');
      // Still open and trickling: none of the 300 has been cut, and none has reached the app.
      expect(slow.filter((s) => !s.destroyed)).toHaveLength(300);
      const during = JSON.parse((await getVia(p.routerPort, A, '/posts')).body) as { started: number };
      expect(during.started).toBe(before.started + 1);
    } finally {
      clearInterval(trickle);
      for (const s of slow) s.destroy();
    }
    const failed = timings.filter((t) => t.status !== 200);
    expect(failed).toEqual([]);
    for (const host of [A, B]) {
      const mine = timings.filter((t) => t.host === host);
      expect(mine.length, host).toBeGreaterThan(20);
      const sorted = mine.map((t) => t.ms).sort((x, y) => x - y);
      expect(sorted[sorted.length - 1], `slowest request to ${host}`).toBeLessThan(2_000);
    }
  });

  it(`a body that stops arriving is cut with 408 after PAAS_ROUTER_BODY_IDLE_MS (${idleMs} ms)`, async () => {
    const t0 = Date.now();
    const reply = await raw(`POST /stall HTTP/1.1\r\nHost: ${A}\r\nContent-Length: 100\r\n\r\n${'x'.repeat(10)}`, 15_000);
    const ms = Date.now() - t0;
    expect(reply).toMatch(/^HTTP\/1.1 408 [\s\S]*REQUEST_TIMEOUT/);
    expect(ms).toBeGreaterThanOrEqual(idleMs - 100);
    expect(ms).toBeLessThan(idleMs + 3_000);
  });
});
