import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig, type Config } from '../src/config.js';
import { serverStatus, startServer, stopServer, type Entries } from '../src/server-control.js';
import { processFiles, readPid } from '../src/server-process.js';
import { captureOutput } from './helpers/capture.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

const fakes = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-servers');
const entries: Entries = { api: join(fakes, 'api-server.mjs'), router: join(fakes, 'router-server.mjs') };

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

const started: Config[] = [];

async function platform(extra: Record<string, string> = {}): Promise<{ config: Config; env: Record<string, string> }> {
  const env = {
    PAAS_HOME: await tempDir('paas-home-'),
    PAAS_API_PORT: String(await freePort()),
    PAAS_ROUTER_PORT: String(await freePort()),
    PAAS_ROUTER_CONTROL_PORT: String(await freePort()),
    ...extra,
  };
  const config = readConfig(env);
  started.push(config);
  return { config, env };
}

afterEach(async () => {
  // Whatever a failed test left running goes, before its PAAS_HOME is removed.
  for (const config of started.splice(0)) await stopServer(config, captureOutput().out, 500);
});

describe('paas server', () => {
  it('starts both servers detached, logs in, reports status, and stops them', async () => {
    const { config, env } = await platform();
    const { out, stdout } = captureOutput();
    await startServer(config, out, entries);
    expect(stdout.text).toMatch(/-----> Starting the router \(pid \d+\)/);
    expect(stdout.text).toMatch(/-----> Starting the API \(pid \d+\)/);
    expect(stdout.text).toContain('logged in as admin');

    const api = `http://127.0.0.1:${config.apiPort}`;
    const login = JSON.parse(await readFile(join(config.home, 'cli.json'), 'utf8')) as unknown;
    expect(login).toEqual({ api, token: `admin-token-of-${config.home}` });
    expect((await stat(join(config.home, 'cli.json'))).mode & 0o777).toBe(0o600);

    // The router token is generated once, kept 0600, and given to both processes.
    const routerToken = (await readFile(join(config.home, 'router.token'), 'utf8')).trim();
    expect(routerToken).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(join(config.home, 'router.token'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(config.home, 'logs', 'api.log'), 'utf8')).toContain(`router token ${routerToken}`);
    expect(await readFile(join(config.home, 'logs', 'router.log'), 'utf8')).toContain(`token ${routerToken} control ${config.routerControlPort}`);

    // The real binary sees the same platform through PAAS_HOME and the ports.
    const status = await runCli(['server', 'status', '--json'], { env });
    expect(status.code).toBe(0);
    const json = JSON.parse(status.stdout) as { api: { up: boolean; pid: number }; router: { up: boolean; port: number } };
    expect(json.api.up).toBe(true);
    expect(json.router).toMatchObject({ up: true, port: config.routerPort });
    expect(json.api.pid).toBe(await readPid(processFiles(config.home, 'api').pidFile));
    const whoami = await runCli(['whoami'], { env: { PAAS_HOME: config.home } });
    expect(whoami.stdout).toBe(`admin (admin) at ${api}\n`);

    const again = await runCli(['server', 'start'], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^-----> paas is already running/);

    const stop = await runCli(['server', 'stop'], { env });
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/Stopping the API \(pid \d+\)\n-----> Stopping the router \(pid \d+\)\n$/);
    const after = await serverStatus(config);
    expect(after.api).toMatchObject({ pid: null, up: false });
    expect(after.router).toMatchObject({ pid: null, up: false });
    await expect(stat(processFiles(config.home, 'api').pidFile)).rejects.toThrow();
  });

  it('runs two platforms side by side with different PAAS_HOME and ports', async () => {
    const one = await platform();
    const two = await platform();
    await startServer(one.config, captureOutput().out, entries);
    await startServer(two.config, captureOutput().out, entries);
    await stopServer(one.config, captureOutput().out);
    const [a, b] = [await serverStatus(one.config), await serverStatus(two.config)];
    expect([a.api.up, a.router.up]).toEqual([false, false]);
    expect([b.api.up, b.router.up]).toEqual([true, true]);
  });

  it('reports an API that exits while starting with its log, and leaves nothing running', async () => {
    const { config } = await platform({ FAKE_API_FAIL: '1' });
    const err = await startServer(config, captureOutput().out, entries).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'API_UNREACHABLE', message: 'the API exited while starting' });
    expect((err as { hint: string }).hint).toContain('failing on purpose');
    const status = await serverStatus(config);
    expect([status.api.pid, status.router.pid]).toEqual([null, null]);
  });

  it('kills a server that ignores SIGTERM after the grace period', async () => {
    const { config } = await platform({ FAKE_ROUTER_STUBBORN: '1' });
    await startServer(config, captureOutput().out, entries);
    const { out, stdout } = captureOutput();
    await stopServer(config, out, 500);
    expect(stdout.text).toContain('did not stop within 0.5 s: killed');
    expect((await serverStatus(config)).router.pid).toBeNull();
  });

  it('says so when nothing runs', async () => {
    const { env } = await platform();
    const r = await runCli(['server', 'stop'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^-----> paas is not running/);
  });
});
