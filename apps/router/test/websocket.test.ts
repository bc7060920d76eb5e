import { WebSocket, WebSocketServer } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { Resources, control, deadPort, putTable, sleep, startBackend, startTestRouter, table } from './helpers.js';

const res = new Resources();
afterEach(() => res.cleanup());

async function echoBackend(name: string) {
  const backend = await startBackend(res, name);
  const wss = new WebSocketServer({ server: backend.server });
  wss.on('connection', (ws, req) => {
    ws.send(`hello from ${name} at ${req.url} for ${req.headers['x-forwarded-host']}`);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  res.add(() => {
    for (const c of wss.clients) c.terminate();
    wss.close();
  });
  return backend;
}

function open(port: number, host: string, path = '/ws'): Promise<{ ws: WebSocket; first: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { host } });
    res.add(() => ws.terminate());
    ws.once('message', (data) => resolve({ ws, first: data.toString() }));
    ws.once('unexpected-response', (_req, r) => reject(Object.assign(new Error(`HTTP ${r.statusCode}`), { status: r.statusCode })));
    ws.once('error', reject);
  });
}

function next(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (d) => resolve(d.toString())));
}

describe('WebSocket', () => {
  it('proxies an upgrade and echoes text and binary frames both ways', async () => {
    const app = await echoBackend('app');
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'a1', port: app.port }] } }));
    const { ws, first } = await open(router.handle.port, 'app.localhost');
    expect(first).toBe('hello from app at /ws for app.localhost');
    const reply = next(ws);
    ws.send('ping 1');
    expect(await reply).toBe('ping 1');
    const big = Buffer.alloc(200_000, 7);
    const bin = new Promise<Buffer>((resolve) => ws.once('message', (d) => resolve(d as Buffer)));
    ws.send(big);
    expect((await bin).equals(big)).toBe(true);
    ws.close();
  });

  it('counts an open WebSocket as in flight until it closes', async () => {
    const app = await echoBackend('app');
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'a1', port: app.port }] } }));
    const { ws } = await open(router.handle.port, 'app.localhost');
    const busy = await control(router.handle.controlPort, 'POST', '/drain', { targets: ['a1'], timeoutMs: 50 });
    expect(busy.json).toEqual({ drained: false, inflight: 1 });
    const drain = control(router.handle.controlPort, 'POST', '/drain', { targets: ['a1'], timeoutMs: 3_000 });
    await sleep(100);
    ws.close();
    expect((await drain).json).toEqual({ drained: true, inflight: 0 });
  });

  it('answers an upgrade for an unknown host with 404 and for a dead target with 502', async () => {
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'dead.localhost': { targets: [{ id: 'd', port: await deadPort() }] } }));
    await expect(open(router.handle.port, 'nope.localhost')).rejects.toMatchObject({ status: 404 });
    await expect(open(router.handle.port, 'dead.localhost')).rejects.toMatchObject({ status: 502 });
    expect(router.logs.map((l) => l.code)).toEqual(expect.arrayContaining(['ROUTE_NOT_FOUND', 'UPSTREAM_FAILED']));
  });

  it('relays an app that declines the upgrade, then closes', async () => {
    const app = await startBackend(res, 'plain', (req, r) => {
      req.resume();
      r.writeHead(403, { 'content-type': 'text/plain' });
      r.end('no sockets here');
    });
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'app.localhost': { targets: [{ id: 'a1', port: app.port }] } }));
    await expect(open(router.handle.port, 'app.localhost')).rejects.toMatchObject({ status: 403 });
    const drain = await control(router.handle.controlPort, 'POST', '/drain', { targets: ['a1'], timeoutMs: 1_000 });
    expect(drain.json.drained).toBe(true);
  });
});
