import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp, writeVersion } from './harness/app-dir.js';
import { deployVersioned } from './harness/deployed.js';
import { startLoad } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

// The versioned fixture with two instances and a health check every second.
const SPEC = `www:
  type: python
  process: exec python3 server.py
  instances: 2
  healthcheck: {path: /health, interval: 1, timeout: 30}
`;

interface Ps { name: string; release: string; state: string; restarts: number; uptime: number | null; reason?: string }

let p: Platform;
let calm: string;

beforeAll(async () => {
  // Instances get 128 MiB, so that /leak reaches its limit in a second or two.
  // Probes as often as the spec's interval (1 s) asks, so that "interval × 3" is seconds here.
  p = await startPlatform({ PAAS_INSTANCE_MEMORY_MB: '128', PAAS_HEALTH_INTERVAL_MS: '1000' });
  calm = await deployVersioned(p, 'calm', 'calm');
}, 300_000);
afterAll(async () => {
  await p?.stop();
}, 120_000);

async function deployTwo(app: string): Promise<string> {
  const dir = await copyApp('test/fixtures/versioned');
  await writeVersion(dir, app);
  await writeFile(join(dir, 'paas.yml'), SPEC);
  expect((await p.paas(['create', app], { cwd: dir })).code).toBe(0);
  const pushed = await p.paas(['push'], { cwd: dir });
  expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
  return dir;
}

async function ps(dir: string): Promise<Ps[]> {
  const r = await p.paas(['ps', '--json'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Ps[];
}

/**
 * The app's instances as the API streams them (GET …/ps as server-sent events: again on every engine
 * event and every change its 1 s re-read finds), so that a state that lasts a second is not missed
 * between two polls. `until` resolves with the first list `found` picks, and when it came.
 */
interface PsWatch {
  /** The first list that came at `since` or later which `found` picks. */
  until<T>(found: (list: Ps[]) => T | undefined, since: number, timeoutMs: number): Promise<{ value: T; at: number }>;
  stop(): void;
}

function watchPs(app: string, token: string): PsWatch {
  const lists: { at: number; list: Ps[] }[] = [];
  const waiters = new Set<() => void>();
  const abort = new AbortController();
  void (async () => {
    const res = await fetch(`http://127.0.0.1:${p.apiPort}/v1/apps/${app}/ps`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` }, signal: abort.signal });
    let text = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += Buffer.from(chunk).toString();
      let end;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const data = /^data: (.*)$/m.exec(text.slice(0, end))?.[1];
        text = text.slice(end + 2);
        if (data !== undefined) lists.push({ at: Date.now(), list: JSON.parse(data) as Ps[] });
        for (const w of waiters) w();
      }
    }
  })().catch(() => undefined);
  return {
    until: (found, since, timeoutMs) =>
      new Promise((resolve, reject) => {
        let seen = 0;
        const look = (): void => {
          for (; seen < lists.length; seen++) {
            if (lists[seen]!.at < since) continue;
            const value = found(lists[seen]!.list);
            if (value !== undefined) {
              waiters.delete(look);
              clearTimeout(timer);
              return resolve({ value, at: lists[seen]!.at });
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(look);
          reject(new Error(`not seen within ${timeoutMs} ms; last ps: ${JSON.stringify(lists.at(-1)?.list ?? [])}`));
        }, timeoutMs);
        waiters.add(look);
        look();
      }),
    stop: () => abort.abort(),
  };
}

/** The API's lines about an app (its log is JSON lines with a time in ms). */
async function apiLines(app: string, since: number): Promise<string[]> {
  const text = await readFile(join(p.home, 'logs', 'api.log'), 'utf8').catch(() => '');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    try {
      const j = JSON.parse(line) as { time?: number; msg?: string };
      if (j.time !== undefined && j.time >= since && j.msg?.startsWith(`${app}: `)) out.push(`+${j.time - since} ms ${j.msg}`);
    } catch {
      // not JSON
    }
  }
  return out;
}

/** `paas logs --no-follow` of the app, given 30 s. */
async function logsOf(dir: string): Promise<string> {
  const r = await Promise.race([p.paas(['logs', '--no-follow'], { cwd: dir }), new Promise<undefined>((res) => setTimeout(res, 30_000))]);
  if (r === undefined) throw new Error('paas logs did not end within 30 s');
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** POST through the router; resolves with the status or the socket error. */
function postVia(host: string, path: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port: p.routerPort, path, method: 'POST', headers: { host, 'content-length': '0' }, agent: false, timeout: 60_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => resolve(err.message));
    req.end();
  });
}

describe('active health checks', () => {
  it('an instance whose health path hangs is out of the router within 3 checks and replaced; the other instance and the other app serve throughout', async () => {
    const dir = await deployTwo('wedge');
    const load = startLoad(p.routerPort, 'wedge.localhost', { concurrency: 4, intervalMs: 20, maxMs: 120_000 });
    const other = startLoad(p.routerPort, 'calm.localhost', { concurrency: 2, intervalMs: 20, maxMs: 120_000 });
    const watch = watchPs('wedge', await p.adminToken());
    let out, restarted, wedgedAt;
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      const touched = await p.paas(['run', 'www.1', '--', 'touch', '/tmp/paas-wedge-health'], { cwd: dir });
      expect(touched.code, touched.stderr).toBe(0);
      wedgedAt = Date.now();
      out = await watch.until((list) => list.find((i) => i.name === 'www.1' && i.state === 'unhealthy' && i.reason !== undefined), wedgedAt, 15_000);
      // Healthy again: one www.1 only (the replacement), in the router.
      restarted = await watch.until((list) => (list.filter((i) => i.name === 'www.1').length === 1 ? list.find((i) => i.name === 'www.1' && i.state === 'healthy') : undefined), out.at, 30_000);
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      watch.stop();
      await load.stop();
      await other.stop();
    }
    const toOut = out.at - wedgedAt;
    const toRestarted = restarted.at - wedgedAt;
    console.log((await apiLines('wedge', wedgedAt)).join('\n'));
    console.log(`wedge: ps saw it out ${toOut} ms after the wedge, restarted ${toRestarted} ms; wedge app ${load.report.ok}/${load.report.sent} ok, failures ${JSON.stringify(load.report.failures)}; calm app ${other.report.ok}/${other.report.sent} ok, failures ${JSON.stringify(other.report.failures)}`);
    expect(out.value.reason).toBe('stopped answering /health (3 checks)');
    // 3 checks 1 s apart, the last waiting 1 s for its answer, then up to the stream's 1 s re-read.
    expect(toOut).toBeLessThan(3 * 1_000 + 3_000);
    expect(toRestarted).toBeLessThan(3 * 1_000 + 10_000);
    // Only /health hangs: the wedged instance still answers /, so nothing is lost.
    expect(load.report.failures).toEqual([]);
    expect(other.report.failures).toEqual([]);
    expect(other.report.ok).toBeGreaterThan(50);
    expect(await logsOf(dir)).toContain('[paas] www.1 stopped answering /health after 3 checks 1 s apart: out of the router, restarting');
    // The replacement is fresh: its /health answers.
    const after = await ps(dir);
    expect(after.filter((i) => i.state === 'healthy').map((i) => i.name).sort()).toEqual(['www.1', 'www.2']);
  }, 150_000);

  it('an instance killed at its memory limit is restarted and says why; the other instance carries its requests', async () => {
    const dir = await deployTwo('leaky');
    const load = startLoad(p.routerPort, 'leaky.localhost', { concurrency: 4, intervalMs: 20, maxMs: 120_000 });
    const watch = watchPs('leaky', await p.adminToken());
    let killed: { value: Ps; at: number } | undefined;
    let leak = '';
    let leakedAt = 0;
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      leakedAt = Date.now();
      leak = await postVia('leaky.localhost', '/leak');
      killed = await watch.until((list) => list.find((i) => i.reason === 'killed: over its memory limit' && i.state === 'healthy' && i.restarts >= 1), leakedAt, 30_000);
      await new Promise((r) => setTimeout(r, 1_000));
      // paas ps says it too.
      expect((await ps(dir)).find((i) => i.name === killed?.value.name)?.reason).toBe('killed: over its memory limit');
    } finally {
      watch.stop();
      await load.stop();
    }
    console.log(`leak: the /leak request ended with ${leak} after ${Date.now() - leakedAt} ms; ${killed.value.name} restarted (restarts ${killed.value.restarts}) and seen so ${killed.at - leakedAt} ms after the leak began; load ${load.report.ok}/${load.report.sent} ok, failures ${JSON.stringify(load.report.failures)}`);
    // The connection of the request that leaked breaks when the engine kills the instance.
    expect(['502', 'socket hang up', 'read ECONNRESET']).toContain(leak);
    expect(load.report.failures).toEqual([]);
    expect(load.report.ok).toBeGreaterThan(50);
    console.log((await apiLines('leaky', leakedAt)).join('\n'));
    expect(await logsOf(dir)).toContain(`[paas] ${killed.value.name} was killed: over its memory limit; the engine restarts it`);
  }, 150_000);
});
