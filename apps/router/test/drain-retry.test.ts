import { afterEach, describe, expect, it } from 'vitest';
import { Resources, control, deadPort, putTable, send, sleep, startBackend, startTestRouter, table } from './helpers.js';

const res = new Resources();
afterEach(() => res.cleanup());

describe('drain', () => {
  it('waits for an in-flight slow request, then resolves drained', async () => {
    const slow = await startBackend(res, 'slow', (req, r) => {
      req.resume();
      setTimeout(() => r.end('late'), 400);
    });
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'slow.1', port: slow.port }] } }));
    let requestDoneAt = 0;
    const inflight = send(router.handle.port, { host: 'app.localhost' }).then((r) => {
      requestDoneAt = Date.now();
      return r;
    });
    while (slow.seen.length === 0) await sleep(5);
    const started = Date.now();
    const drain = await control(router.handle.controlPort, 'POST', '/drain', { targets: ['slow.1'], timeoutMs: 5_000 });
    const drainedAt = Date.now();
    expect(drain).toEqual({ status: 200, json: { drained: true, inflight: 0 } });
    expect(drainedAt - started).toBeGreaterThanOrEqual(250);
    expect((await inflight).body).toBe('late');
    expect(drainedAt).toBeGreaterThanOrEqual(requestDoneAt - 50);
  });

  it('answers at the deadline with what is still in flight', async () => {
    const slow = await startBackend(res, 'slow', (req, r) => {
      req.resume();
      setTimeout(() => r.end('late'), 800);
    });
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'slow.1', port: slow.port }, { id: 'idle.1', port: slow.port }] } }));
    const pending = [send(router.handle.port, { host: 'app.localhost' }), send(router.handle.port, { host: 'app.localhost' })];
    while (slow.seen.length < 2) await sleep(5);
    const started = Date.now();
    const drain = await control(router.handle.controlPort, 'POST', '/drain', { targets: ['slow.1'], timeoutMs: 150 });
    expect(drain.json).toEqual({ drained: false, inflight: 1 });
    expect(Date.now() - started).toBeLessThan(600);
    // Targets no longer in the table still count until their last request ends.
    await putTable(router, table(2, {}));
    const after = await control(router.handle.controlPort, 'POST', '/drain', { targets: ['slow.1', 'idle.1'], timeoutMs: 0 });
    expect(after.json).toEqual({ drained: false, inflight: 2 });
    await Promise.all(pending);
    const done = await control(router.handle.controlPort, 'POST', '/drain', { targets: ['slow.1', 'idle.1'], timeoutMs: 1_000 });
    expect(done.json).toEqual({ drained: true, inflight: 0 });
  });

  it('rejects a malformed drain request with 400', async () => {
    const router = await startTestRouter(res);
    for (const body of [{ targets: 'a', timeoutMs: 1 }, { targets: ['a'] }, { targets: ['a'], timeoutMs: -5 }, { targets: [1], timeoutMs: 5 }]) {
      const r = await control(router.handle.controlPort, 'POST', '/drain', body);
      expect(r.status).toBe(400);
      expect(r.json.code).toBe('BAD_REQUEST');
    }
  });
});

describe('retry and ejection', () => {
  it('retries a GET refused by one target on the other target', async () => {
    const good = await startBackend(res, 'good');
    const router = await startTestRouter(res);
    // The dead target is first, so the first pick lands on it.
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'dead', port: await deadPort() }, { id: 'good', port: good.port }] } }));
    const r = await send(router.handle.port, { host: 'app.localhost', path: '/r' });
    expect(r).toMatchObject({ status: 200, body: 'good GET /r' });
    expect(good.seen).toEqual(['GET /r']);
  });

  it('retries a GET reset by one target on the other after a random wait, so requests reset together do not arrive together', async () => {
    const resetAt = new Map<string, number>();
    const crash = await startBackend(res, 'crash', (req) => {
      resetAt.set(req.url!, Date.now());
      req.socket.destroy();
    });
    const arrivedAt = new Map<string, number>();
    const good = await startBackend(res, 'good', (req, r) => {
      arrivedAt.set(req.url!, Date.now());
      r.end('good');
    });
    const router = await startTestRouter(res, { retryJitterMs: 300 });
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'crash', port: crash.port }, { id: 'good', port: good.port }] } }));
    for (let i = 0; i < 12; i++) expect(await send(router.handle.port, { host: 'app.localhost', path: `/r${i}` })).toMatchObject({ status: 200, body: 'good' });
    const waits = [...resetAt].map(([path, at]) => arrivedAt.get(path)! - at);
    expect(waits.length).toBeGreaterThanOrEqual(3);
    for (const w of waits) expect(w).toBeLessThan(300 + 200);
    expect(Math.max(...waits) - Math.min(...waits)).toBeGreaterThan(20);
    const drained = await control(router.handle.controlPort, 'POST', '/drain', { targets: ['crash', 'good'], timeoutMs: 1_000 });
    expect(drained.json).toEqual({ drained: true, inflight: 0 });
  });

  it('lets go of a reset request whose client left during the wait before its retry', async () => {
    const crash = await startBackend(res, 'crash', (req) => req.socket.destroy());
    const router = await startTestRouter(res, { retryJitterMs: 10_000 });
    // One target: the retry (after up to 10 s) would go to the same one. The client leaves first; nothing stays counted.
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'crash', port: crash.port }] } }));
    const { request } = await import('node:http');
    const req = request({ host: '127.0.0.1', port: router.handle.port, path: '/', headers: { host: 'app.localhost' } });
    req.on('error', () => {});
    req.end();
    while (crash.seen.length === 0) await sleep(5);
    await sleep(50);
    req.destroy();
    const drained = await control(router.handle.controlPort, 'POST', '/drain', { targets: ['crash'], timeoutMs: 300 });
    expect(drained.json).toEqual({ drained: true, inflight: 0 });
  });

  it('does not retry a POST: it answers 502 UPSTREAM_FAILED', async () => {
    const good = await startBackend(res, 'good');
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'dead', port: await deadPort() }, { id: 'good', port: good.port }] } }));
    const r = await send(router.handle.port, { host: 'app.localhost', method: 'POST', path: '/p', body: 'order=1' });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body).code).toBe('UPSTREAM_FAILED');
    expect(good.seen).toEqual([]);
    expect(router.logs.find((l) => l.code === 'UPSTREAM_FAILED')).toMatchObject({ status: 502, host: 'app.localhost', method: 'POST', path: '/p' });
  });

  it('ejects a target after failed connects and re-admits it after the cool-down', async () => {
    const good = await startBackend(res, 'good');
    const port = await deadPort();
    // The cool-down must outlast the 16 requests below even on a busy machine.
    const router = await startTestRouter(res, { ejectAfterFailures: 2, ejectCooldownMs: 2_000 });
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'flaky', port }, { id: 'good', port: good.port }] } }));
    for (let i = 0; i < 10; i++) expect((await send(router.handle.port, { host: 'app.localhost' })).status).toBe(200);
    // Two refused connects (each retried on "good"), then the dead target is out: all 10 went to good.
    expect(good.seen.length).toBe(10);
    // POSTs are not retried, so while ejected none of them may land on the dead target.
    for (let i = 0; i < 6; i++) expect((await send(router.handle.port, { host: 'app.localhost', method: 'POST', body: 'x' })).status).toBe(200);
    // Bring the target up on that port; after the cool-down it gets traffic again.
    const { createServer } = await import('node:http');
    const back = createServer((req, r) => r.end('back'));
    await new Promise<void>((resolve) => back.listen(port, '127.0.0.1', resolve));
    res.add(() => new Promise<void>((resolve) => { back.close(() => resolve()); back.closeAllConnections(); }));
    await sleep(2_050);
    const bodies = new Set<string>();
    for (let i = 0; i < 6; i++) bodies.add((await send(router.handle.port, { host: 'app.localhost' })).body);
    expect(bodies.has('back')).toBe(true);
  });

  it('answers 503 when every target is ejected', async () => {
    const router = await startTestRouter(res, { ejectAfterFailures: 1, ejectCooldownMs: 5_000 });
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'd1', port: await deadPort() }] } }));
    expect((await send(router.handle.port, { host: 'app.localhost' })).status).toBe(502);
    const r = await send(router.handle.port, { host: 'app.localhost' });
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).code).toBe('NO_HEALTHY_TARGET');
  });
});
