import { Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Resources, control, putTable, send, sleep, startBackend, startTestRouter, table, type Backend, type TestRouter } from './helpers.js';

const res = new Resources();
afterEach(() => res.cleanup());

/** The API's deploy sequence: new table, drain the old target, stop it. */
async function switchTo(router: TestRouter, version: number, next: Backend, old: Backend): Promise<void> {
  await putTable(router, table(version, { 'app.localhost': { targets: [{ id: next.name, port: next.port }] } }));
  const drained = await control(router.handle.controlPort, 'POST', '/drain', { targets: [old.name], timeoutMs: 5_000 });
  expect(drained.json).toEqual({ drained: true, inflight: 0 });
  await old.close();
}

describe('zero-failure switch', () => {
  it('2,000 requests over ~3 s while the table switches twice and old backends are drained and closed: 0 failures', async () => {
    // Backends take a little time per request so that requests are in flight at each switch.
    const slowish = (req: import('node:http').IncomingMessage, r: import('node:http').ServerResponse, b: Backend) => {
      req.resume();
      setTimeout(() => r.end(b.name), 5);
    };
    const v1 = await startBackend(res, 'v1', slowish);
    const v2 = await startBackend(res, 'v2', slowish);
    const v3 = await startBackend(res, 'v3', slowish);
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'v1', port: v1.port }] } }));

    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    res.add(() => agent.destroy());
    const total = 2_000;
    const workers = 16;
    // Generous: on a busy machine the paced loop falls behind; the switches wait for traffic, not for the clock.
    const deadline = Date.now() + 30_000;
    const started = Date.now();
    let issued = 0;
    const failures: string[] = [];
    const servedBy: Record<string, number> = {};
    const loop = async (): Promise<void> => {
      while (issued < total && Date.now() < deadline) {
        const i = issued++;
        // Pace to ~3 s overall: request i is not sent before started + i * 1.5 ms.
        const wait = started + i * 1.5 - Date.now();
        if (wait > 0) await sleep(wait);
        try {
          const r = await send(router.handle.port, { host: 'app.localhost', path: `/${i}`, agent });
          if (r.status !== 200) failures.push(`${i}: ${r.status} ${r.body}`);
          else servedBy[r.body] = (servedBy[r.body] ?? 0) + 1;
        } catch (err) {
          failures.push(`${i}: ${(err as Error).message}`);
        }
      }
    };
    const load = Promise.all(Array.from({ length: workers }, loop));
    const servedAtLeast = async (name: string, n: number): Promise<void> => {
      while ((servedBy[name] ?? 0) <= n && issued < total) await sleep(10);
    };
    await servedAtLeast('v1', 100);
    await switchTo(router, 2, v2, v1);
    await servedAtLeast('v2', 100);
    await switchTo(router, 3, v3, v2);
    await load;

    expect(failures).toEqual([]);
    expect(issued).toBe(total);
    expect(servedBy.v1! + servedBy.v2! + servedBy.v3!).toBe(total);
    expect(servedBy.v1).toBeGreaterThan(100);
    expect(servedBy.v2).toBeGreaterThan(100);
    expect(servedBy.v3).toBeGreaterThan(100);
    expect(v1.server.listening).toBe(false);
    expect(v2.server.listening).toBe(false);
  }, 40_000);
});
