import { writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp } from './harness/app-dir.js';
import { startPlatform, type Platform } from './harness/platform.js';

// bench/failsafe.ts's python app on the default python server (no process: gunicorn), 2 instances, request_timeout
// 5 s: what its other clients see while some requests wedge, and while slow clients come and go; then its Node.js
// app in paas's cluster while some requests wedge or crash (issue 12's tests; the bench measures the whole list of
// misbehaviours).
const APP = 'failsafe';
const HOST = `${APP}.localhost`;

let p: Platform;
let dir: string;

/** One of bench/failsafe's apps as `app`: 2 instances of `type`, probed every second; returns its directory. */
async function deployBench(app: string, from: string, type: string, requestTimeout: number): Promise<string> {
  const at = await copyApp(from);
  await writeFile(join(at, 'paas.yml'), `www:\n  type: ${type}\n  instances: 2\n  request_timeout: ${requestTimeout}\n  healthcheck: {path: /health, interval: 1, timeout: 30}\n`);
  expect((await p.paas(['create', app], { cwd: at })).code).toBe(0);
  const pushed = await p.paas(['push'], { cwd: at });
  expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
  return at;
}

beforeAll(async () => {
  p = await startPlatform();
  dir = await deployBench(APP, 'bench/failsafe/python', 'python', 5);
}, 600_000);
afterAll(async () => {
  await p?.stop();
}, 120_000);

interface Outcome { path: string; status: number | string; ms: number }

function get(path: string, agent: Agent, host = HOST, timeoutMs = 15_000): Promise<Outcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: p.routerPort, path, headers: { host }, agent, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve({ path, status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      res.on('error', (err) => resolve({ path, status: err.message, ms: performance.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', (err) => resolve({ path, status: err.message, ms: performance.now() - t0 }));
    req.end();
  });
}

/** `concurrency` clients, each sending its next request as soon as the last is answered, for `ms`; `pathOf(n)` picks the n-th request's path. */
async function closedLoop(concurrency: number, ms: number, pathOf: (n: number) => string, host = HOST): Promise<Outcome[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const out: Outcome[] = [];
  const end = Date.now() + ms;
  let n = 0;
  const client = async (): Promise<void> => {
    while (Date.now() < end) out.push(await get(pathOf(n++), agent, host));
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, client));
  } finally {
    agent.destroy();
  }
  return out;
}

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
const tally = (outcomes: Outcome[]): Record<string, number> => {
  const t: Record<string, number> = {};
  for (const o of outcomes) t[String(o.status)] = (t[String(o.status)] ?? 0) + 1;
  return t;
};

describe('fail-safe under a bad app (default python server)', () => {
  it('1 % of requests wedging hard (a lock taken twice): ≥ 99 % of the others are answered 200, the wedged ones 504, their workers replaced', async () => {
    // Every 100th request wedges: exactly 1 %.
    const outcomes = await closedLoop(8, 25_000, (n) => (n % 100 === 99 ? '/wedge' : '/'));
    const wedged = outcomes.filter((o) => o.path === '/wedge');
    const others = outcomes.filter((o) => o.path !== '/wedge');
    const served = others.filter((o) => o.status === 200).length;
    console.log(`1 % wedging: ${served}/${others.length} others served (${JSON.stringify(tally(others))}), p50 ${quantile(others.map((o) => o.ms), 0.5).toFixed(1)} ms, p99 ${quantile(others.map((o) => o.ms), 0.99).toFixed(1)} ms; wedged: ${JSON.stringify(tally(wedged))}`);
    expect(wedged.length).toBeGreaterThanOrEqual(2);
    expect(others.length).toBeGreaterThan(200);
    expect(served / others.length).toBeGreaterThanOrEqual(0.99);
    // A wedged request ends with the router's 504 at the app's request_timeout, not the client's own timeout.
    for (const w of wedged) {
      expect(w.status).toBe(504);
      expect(w.ms).toBeGreaterThan(4_900);
      expect(w.ms).toBeLessThan(8_000);
    }
    // gunicorn killed each stuck worker (request_timeout + 2 s) and started another.
    await expect.poll(async () => {
      const logs = await p.paas(['logs', '--no-follow', '-n', '2000'], { cwd: dir });
      return (logs.stdout.match(/WORKER TIMEOUT/g) ?? []).length;
    }, { timeout: 15_000, interval: 1_000 }).toBeGreaterThanOrEqual(wedged.length);
    // No instance was lost over it: the wedges cost workers, not instances.
    const ps = JSON.parse((await p.paas(['ps', '--json'], { cwd: dir })).stdout) as { name: string; state: string; restarts: number }[];
    expect(ps.map((i) => [i.name, i.state, i.restarts])).toEqual([['www.1', 'healthy', 0], ['www.2', 'healthy', 0]]);
  }, 120_000);

  it('a slow uploader (1 MB over 30 s) and a slow reader (10 MB) do not delay the app\'s other clients beyond their normal p99 × 2', async () => {
    const normal = await closedLoop(4, 10_000, () => '/');
    expect(normal.every((o) => o.status === 200)).toBe(true);
    const p99Before = quantile(normal.map((o) => o.ms), 0.99);

    const upload = slowUpload(1024 * 1024, 30_000);
    // The app's /download is 160 pieces of 64 KiB.
    const download = slowDownload(160, 25_000);
    upload.catch(() => undefined);
    download.catch(() => undefined);
    const during = await closedLoop(4, 30_000, () => '/');
    const [up, down] = await Promise.all([upload, download]);
    const p99During = quantile(during.map((o) => o.ms), 0.99);
    console.log(`slow clients: others p99 ${p99Before.toFixed(1)} ms before, ${p99During.toFixed(1)} ms during (${during.length} requests, ${JSON.stringify(tally(during))}); upload ${up.status} "${up.body}" bytes counted in ${(up.ms / 1000).toFixed(1)} s; download ${down.status} ${down.bytes} bytes in ${(down.ms / 1000).toFixed(1)} s`);
    expect(during.every((o) => o.status === 200)).toBe(true);
    expect(p99During).toBeLessThanOrEqual(p99Before * 2);
    // The slow clients themselves got what they asked for, however long it took them.
    expect(up).toMatchObject({ status: 200, body: '1048576' });
    expect(up.ms).toBeGreaterThan(29_000);
    expect(down).toMatchObject({ status: 200, bytes: 160 * 65536 });
    expect(down.ms).toBeGreaterThan(10_000);
  }, 180_000);
});

describe('fail-safe under a bad app (nodejs, server.js in paas\'s cluster)', () => {
  const NODE_APP = 'failsafe-node';
  let nodeDir: string;

  beforeAll(async () => {
    // request_timeout 10 s: a stuck worker is killed at 5–7 s, and the requests it never took are answered by another.
    nodeDir = await deployBench(NODE_APP, 'bench/failsafe/node', 'nodejs', 10);
  }, 600_000);

  const host = `${NODE_APP}.localhost`;
  for (const [bad, what, logLine] of [
    ['/wedge', 'stuck in a busy loop', /paas: worker \d+ has not answered for \d+ s/g],
    ['/segv', 'segfaulting their process', /paas: worker \d+ ended \(SIGSEGV\); starting another/g],
  ] as const) {
    it(`1 % of requests ${what}: ≥ 99 % of the others are answered 200, the workers replaced`, async () => {
      const outcomes = await closedLoop(8, 25_000, (n) => (n % 100 === 99 ? bad : '/'), host);
      const hit = outcomes.filter((o) => o.path === bad);
      const others = outcomes.filter((o) => o.path !== bad);
      const served = others.filter((o) => o.status === 200).length;
      console.log(`nodejs, 1 % ${bad}: ${served}/${others.length} others served (${JSON.stringify(tally(others))}), p50 ${quantile(others.map((o) => o.ms), 0.5).toFixed(1)} ms, p99 ${quantile(others.map((o) => o.ms), 0.99).toFixed(1)} ms; bad: ${JSON.stringify(tally(hit))}`);
      expect(hit.length).toBeGreaterThanOrEqual(2);
      expect(others.length).toBeGreaterThan(200);
      expect(served / others.length).toBeGreaterThanOrEqual(0.99);
      await expect.poll(async () => {
        const logs = await p.paas(['logs', '--no-follow', '-n', '5000'], { cwd: nodeDir });
        return (logs.stdout.match(logLine) ?? []).length;
      }, { timeout: 15_000, interval: 1_000 }).toBeGreaterThanOrEqual(hit.length);
    }, 120_000);
  }
});

/** POST /upload with a Content-Length of `size`, its bytes sent in even pieces once a second over `overMs`. */
function slowUpload(size: number, overMs: number): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: p.routerPort, path: '/upload', method: 'POST', headers: { host: HOST, 'content-length': size }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    const pieces = Math.round(overMs / 1000);
    const piece = Math.ceil(size / pieces);
    let sent = 0;
    const timer = setInterval(() => {
      const n = Math.min(piece, size - sent);
      sent += n;
      if (sent >= size) {
        clearInterval(timer);
        req.end(Buffer.alloc(n, 0x61));
      } else req.write(Buffer.alloc(n, 0x61));
    }, 1000);
    req.on('close', () => clearInterval(timer));
  });
}

/** GET /download (`pieces` of 64 KiB), read a little at a time so that the whole takes about `overMs`. */
function slowDownload(pieces: number, overMs: number): Promise<{ status: number; bytes: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: p.routerPort, path: '/download', headers: { host: HOST }, agent: false }, (res) => {
      let bytes = 0;
      const perTick = Math.ceil((pieces * 65536) / (overMs / 100));
      res.pause();
      const timer = setInterval(() => {
        let taken = 0;
        let chunk: Buffer | null;
        while (taken < perTick && (chunk = res.read() as Buffer | null) !== null) {
          taken += chunk.length;
          bytes += chunk.length;
        }
      }, 100);
      res.on('end', () => {
        clearInterval(timer);
        resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - t0 });
      });
      res.on('error', (err) => {
        clearInterval(timer);
        reject(err);
      });
    });
    req.on('error', reject);
    req.end();
  });
}
