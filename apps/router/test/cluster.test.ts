import { afterEach, describe, expect, it } from 'vitest';
import { Resources, control, putTable, send, sleep, startBackend, startTestRouter, table } from './helpers.js';

const res = new Resources();
afterEach(() => res.cleanup());

// Workers are real child processes (node:cluster) running src/worker.ts through tsx.
describe('cluster mode (2 workers)', () => {
  it('serves the table from every worker, persists it, and drains across workers', async () => {
    const slowPaths: string[] = [];
    const app = await startBackend(res, 'app', (req, r) => {
      req.resume();
      if (req.url === '/slow') {
        slowPaths.push(req.url);
        setTimeout(() => r.end('slow'), 500);
      } else r.end('ok');
    });
    const router = await startTestRouter(res, { workers: 2 });
    expect(router.handle.port).toBeGreaterThan(0);
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'a1', port: app.port }] } }));
    // New connections are spread over workers by the primary; each must already hold the table.
    for (let i = 0; i < 20; i++) {
      const r = await send(router.handle.port, { host: 'app.localhost' });
      expect(r.status).toBe(200);
    }
    expect((await send(router.handle.port, { host: 'other.localhost' })).status).toBe(404);

    // Two slow requests on two new connections, which the primary hands to the two workers in turn:
    // the in-flight count must be the sum over workers.
    const slow = [send(router.handle.port, { host: 'app.localhost', path: '/slow' }), send(router.handle.port, { host: 'app.localhost', path: '/slow' })];
    while (slowPaths.length < 2) await sleep(5);
    const busy = await control(router.handle.controlPort, 'POST', '/drain', { targets: ['a1'], timeoutMs: 0 });
    expect(busy.json).toEqual({ drained: false, inflight: 2 });
    const drained = await control(router.handle.controlPort, 'POST', '/drain', { targets: ['a1'], timeoutMs: 3_000 });
    expect(drained.json).toEqual({ drained: true, inflight: 0 });
    for (const r of await Promise.all(slow)) expect(r.body).toBe('slow');

    // Restart in cluster mode: the saved table is served before any PUT.
    await router.handle.close();
    const again = await startTestRouter(res, { workers: 2, stateFile: router.stateFile });
    expect((await send(again.handle.port, { host: 'app.localhost' })).body).toBe('ok');
    expect(again.handle.table().version).toBe(1);
  }, 30_000);
});
