import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Resources, control, putTable, send, startBackend, startTestRouter, table, tempDir } from './helpers.js';
import { join } from 'node:path';

const res = new Resources();
afterEach(() => res.cleanup());

describe('route table', () => {
  it('rejects an older version with 409 and keeps serving the newer table', async () => {
    const v1 = await startBackend(res, 'v1');
    const v2 = await startBackend(res, 'v2');
    const router = await startTestRouter(res);
    await putTable(router, table(10, { 'app.localhost': { targets: [{ id: 'v2', port: v2.port }] } }));
    const stale = await control(router.handle.controlPort, 'PUT', '/routes', table(9, { 'app.localhost': { targets: [{ id: 'v1', port: v1.port }] } }));
    expect(stale.status).toBe(409);
    expect(stale.json.code).toBe('TABLE_STALE');
    expect(router.handle.table().version).toBe(10);
    expect((await send(router.handle.port, { host: 'app.localhost' })).body).toMatch(/^v2 /);
    const got = await control(router.handle.controlPort, 'GET', '/routes');
    expect(got.json.version).toBe(10);
    expect(got.json.routes['app.localhost'].targets[0].id).toBe('v2');
  });

  it('rejects an invalid table with 400 naming the path, and changes nothing', async () => {
    const router = await startTestRouter(res);
    const cases: [unknown, string][] = [
      [{ version: -1, routes: {} }, 'version'],
      [{ version: 1 }, 'routes'],
      [{ version: 1, routes: { 'App.localhost': { app: 'a', service: 'w', targets: [] } } }, 'routes.App.localhost'],
      [{ version: 1, routes: { 'a.localhost:80': { app: 'a', service: 'w', targets: [] } } }, 'routes.a.localhost:80'],
      [{ version: 1, routes: { 'a.localhost': { app: 'a', service: 'w', targets: [{ id: 'x', host: '127.0.0.1', port: 70000 }] } } }, 'routes.a.localhost.targets.0.port'],
      [{ version: 1, routes: { 'a.localhost': { app: 'a', service: 'w', targets: [{ id: '', host: '127.0.0.1', port: 80 }] } } }, 'routes.a.localhost.targets.0.id'],
    ];
    for (const [body, path] of cases) {
      const r = await control(router.handle.controlPort, 'PUT', '/routes', body);
      expect(r.status, path).toBe(400);
      expect(r.json).toMatchObject({ code: 'TABLE_INVALID', path });
    }
    const notJson = await send(router.handle.controlPort, { method: 'PUT', path: '/routes', body: '{nope', headers: { authorization: 'Bearer test-token-0123456789abcdef' } });
    expect(notJson.status).toBe(400);
    expect(router.handle.table().version).toBe(0);
  });

  it('swaps the whole table at once: during 20 switches every request is served by the old or the new app, none fails', async () => {
    const old = await startBackend(res, 'old');
    const neu = await startBackend(res, 'new');
    const router = await startTestRouter(res);
    const hosts = Array.from({ length: 20 }, (_, i) => `h${i}.localhost`);
    const make = (version: number, port: number, id: string) =>
      table(version, Object.fromEntries(hosts.map((h) => [h, { targets: [{ id: `${id}.${h}`, port }] }])));
    await putTable(router, make(1, old.port, 'old'));
    const agent = new Agent({ keepAlive: true, maxSockets: 20 });
    res.add(() => agent.destroy());
    let version = 1;
    const switching = (async () => {
      for (let i = 0; i < 20; i++) {
        version += 1;
        await putTable(router, make(version, version % 2 === 0 ? neu.port : old.port, version % 2 === 0 ? 'new' : 'old'));
      }
    })();
    let mixed = 0;
    let total = 0;
    let done = false;
    void switching.then(() => (done = true));
    while (!done) {
      // All 20 hosts "at once" through one table read each: a fan-out that must agree.
      const round = await Promise.all(hosts.map((host) => send(router.handle.port, { host, agent })));
      total += round.length;
      for (const r of round) expect(r.status).toBe(200);
      mixed += round.filter((r) => !/^(old|new) /.test(r.body)).length;
    }
    await switching;
    expect(total).toBeGreaterThan(0);
    expect(mixed).toBe(0);
    expect(router.handle.table().version).toBe(21);
    // A host present only in the old table disappears with the swap.
    await putTable(router, table(22, { 'h0.localhost': { targets: [{ id: 'n', port: neu.port }] } }));
    expect((await send(router.handle.port, { host: 'h1.localhost' })).status).toBe(404);
  });
});

describe('persistence', () => {
  it('a restarted router serves its last table immediately, without any PUT', async () => {
    const app = await startBackend(res, 'app');
    const dir = await tempDir(res);
    const stateFile = join(dir, 'router', 'routes.json');
    const first = await startTestRouter(res, { stateFile });
    await putTable(first, table(7, { 'app.localhost': { targets: [{ id: 'a1', port: app.port }] } }));
    const saved = JSON.parse(await readFile(stateFile, 'utf8'));
    expect(saved.version).toBe(7);
    await first.handle.close();

    const second = await startTestRouter(res, { stateFile });
    // The very first request after start, no control-port contact.
    const r = await send(second.handle.port, { host: 'app.localhost', path: '/after-restart' });
    expect(r).toMatchObject({ status: 200, body: 'app GET /after-restart' });
    expect(second.handle.table().version).toBe(7);
    // And it still refuses an older table after the restart.
    expect((await control(second.handle.controlPort, 'PUT', '/routes', table(6, {}))).status).toBe(409);
  });

  it('starts with an empty table (logged) when the state file is corrupt', async () => {
    const dir = await tempDir(res);
    const stateFile = join(dir, 'router', 'routes.json');
    await mkdir(dirname(stateFile), { recursive: true });
    await writeFile(stateFile, '{"version": 3, "routes": ');
    const router = await startTestRouter(res, { stateFile });
    expect(router.handle.table().version).toBe(0);
    expect(router.logs.some((l) => l.code === 'TABLE_NOT_LOADED' && l.level === 'error')).toBe(true);
    expect((await send(router.handle.port, { host: 'app.localhost' })).status).toBe(404);
  });

  it('leaves no temporary files next to the state file', async () => {
    const dir = await tempDir(res);
    const stateFile = join(dir, 'router', 'routes.json');
    const router = await startTestRouter(res, { stateFile });
    for (let v = 1; v <= 5; v++) await putTable(router, table(v, {}));
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(dirname(stateFile))).toEqual(['routes.json']);
  });
});
