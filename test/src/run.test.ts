/**
 * `paas run` end to end (issue 6, reliability 25): the real binary against a
 * real API and engine — output and exit status, stdin byte for byte, an
 * interactive shell on a real terminal, the instance's user, directory and
 * environment, one-off containers at scale 0, and refusals that happen
 * before any container is touched.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { deployVersioned } from './harness/deployed.js';
import { cliBin, startPlatform, type Platform } from './harness/platform.js';
import { Terminal } from './harness/terminal.js';

const run = promisify(execFile);
const APP = 'runner';

let p: Platform;
let dir: string;
let admin: string;

beforeAll(async () => {
  p = await startPlatform();
  dir = await deployVersioned(p, APP, 'run-1');
  admin = await p.adminToken();
});
afterAll(async () => {
  await p?.stop();
});

/** The real binary with binary stdin; stdout as bytes. */
function paasBytes(args: string[], input: Buffer): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliBin, ...args], { cwd: dir, env: p.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr }));
  });
}

async function containers(...labels: string[]): Promise<string[]> {
  const filters = [`label=paas.test=${p.runId}`, `label=paas.app=${APP}`, ...labels].flatMap((l) => ['--filter', l]);
  const { stdout } = await run('docker', ['ps', '-aq', '--no-trunc', ...filters]);
  return stdout.split('\n').filter(Boolean);
}

/** Engine events of one kind in a window of time (seconds since the epoch), optionally of one container. */
async function events(since: number, event: string, filters: string[] = []): Promise<string[]> {
  const until = Date.now() / 1000 + 0.5;
  await new Promise((r) => setTimeout(r, 600)); // `until` must have passed, or the engine waits for it
  const { stdout } = await run('docker', [
    'events', '--since', since.toFixed(3), '--until', until.toFixed(3),
    '--filter', `event=${event}`, '--filter', `label=paas.test=${p.runId}`, ...filters.flatMap((f) => ['--filter', f]),
    '--format', '{{.Actor.ID}}',
  ]);
  return stdout.split('\n').filter(Boolean);
}

/** Processes in a container, as the host sees them. */
async function processes(id: string): Promise<string> {
  return (await run('docker', ['top', id, '-o', 'pid,args'])).stdout;
}

function wsUrl(query: string, app = APP): string {
  return `ws://127.0.0.1:${p.apiPort}/v1/apps/${app}/run?${query}`;
}

/** Opens a socket; resolves with the handshake's HTTP status when refused, or the open socket. */
function connect(url: string, token: string): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    ws.once('open', () => resolve({ status: 101, ws }));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    ws.once('error', reject);
  });
}

describe('paas run in a running instance', () => {
  let instance: string;

  beforeAll(async () => {
    const ids = await containers('label=paas.managed=1');
    expect(ids).toHaveLength(1);
    instance = ids[0]!;
  });

  it("prints a command's output and exits with its status", async () => {
    const r = await p.paas(['run', 'www', '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 3'], { cwd: dir });
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toBe('oops\n');
    expect(r.code).toBe(3);
    const ok = await p.paas(['run', 'www.1', '-a', APP, '--', 'true']);
    expect(ok).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('runs as the app user in ~/current with the instance environment', async () => {
    const r = await p.paas(['run', 'www', '--', 'sh', '-c', 'id -un; pwd; echo "$PAAS_APP $PAAS_SERVICE $PAAS_INSTANCE $PAAS_RELEASE $PORT"; cat VERSION'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`app\n/home/app/current\n${APP} www www.1 v1 8080\nrun-1\n`);
    expect(r.code).toBe(0);
  });

  it('streams stdin: cat echoes a few hundred KiB byte for byte, and EOF ends it', async () => {
    const data = randomBytes(300 * 1024 + 17);
    const r = await paasBytes(['run', 'www', '--', 'cat'], data);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(data.length);
    expect(r.stdout.equals(data)).toBe(true);
    const counted = await paasBytes(['run', 'www', '--', 'wc', '-c'], data);
    expect(counted.stdout.toString().trim()).toBe(String(data.length));
    // A command that never reads its stdin ends the session at once (not after ws's 30 s close timeout).
    const t0 = Date.now();
    const ignored = await paasBytes(['run', 'www', '--', 'true'], randomBytes(2 * 1024 * 1024));
    expect(ignored.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('gives an interactive shell on a real terminal: typed commands answer, the size and exit status pass', async () => {
    const t = await Terminal.open([process.execPath, cliBin, 'run', 'www'], { cwd: dir, env: p.env, cols: 101, rows: 31 });
    try {
      await t.waitFor(/\$ $/m);
      await t.type('echo "answer=$((6*7)) user=$(id -un) dir=$(pwd) tty=$(tty) size=$(stty size)"');
      const m = await t.waitFor(/answer=(\d+) user=(\S+) dir=(\S+) tty=(\S+) size=(\d+ \d+)/);
      expect(m.slice(1)).toEqual(['42', 'app', '/home/app/current', expect.stringMatching(/^\/dev\/pts\//), '31 101']);
      await t.type('exit 7');
      await t.waitFor(/\[exited 7\]/);
    } finally {
      await t.close();
    }
  });

  it('a service or instance that does not exist: 404 before the upgrade, exit 4', async () => {
    const service = await p.paas(['run', 'nope', '--', 'true'], { cwd: dir });
    expect(service.code).toBe(4);
    expect(service.stderr).toMatch(/no service named nope/);
    const index = await p.paas(['run', 'www.3', '--', 'true'], { cwd: dir });
    expect(index.code).toBe(4);
    expect(index.stderr).toMatch(/www\.3 is not running/);
    expect((await connect(wsUrl('service=www&index=3'), admin)).status).toBe(404);
    expect((await connect(wsUrl('service=www&cols=0'), admin)).status).toBe(400);
  });

  it("a bad token and another user's app are refused before any exec", async () => {
    const since = Date.now() / 1000;
    const bad = await p.paas(['run', 'www', '--', 'true'], { cwd: dir, env: { PAAS_TOKEN: 'paas_not-a-token' } });
    expect(bad.code).toBe(8);
    expect((await connect(wsUrl('service=www&argv=true'), 'paas_not-a-token')).status).toBe(401);
    expect((await connect(wsUrl('service=www&argv=true'), '')).status).toBe(401);

    const added = await p.paas(['users', 'add', 'mallory']);
    const token = /paas_[A-Za-z0-9_-]+/.exec(added.stdout)?.[0];
    expect(token, added.stderr).toBeDefined();
    const theirs = await p.paas(['run', 'www', '-a', APP, '--', 'true'], { env: { PAAS_TOKEN: token! } });
    expect(theirs.code).toBe(4);
    expect(theirs.stderr).toMatch(/no app named runner/);
    expect((await connect(wsUrl('service=www&argv=true'), token!)).status).toBe(404);

    expect(await events(since, 'exec_create', [`container=${instance}`])).toEqual([]);
    expect(await events(since, 'create')).toEqual([]);
  });

  it('a frame over the limit closes the socket with 1009, and the process ends', async () => {
    const { ws } = await connect(wsUrl('service=www&argv=sh&argv=-c&argv=echo started; exec sleep 302'), admin);
    const closed = new Promise<number>((resolve) => ws!.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => ws!.on('message', (d: Buffer, binary) => binary && d.subarray(1).toString().includes('started') && resolve()));
    expect(await processes(instance)).toContain('sleep 302');
    ws!.send(Buffer.alloc(100 * 1024, 1), { binary: true });
    expect(await closed).toBe(1009);
    await expect.poll(async () => processes(instance), { timeout: 10_000 }).not.toContain('sleep 302');
  });

  it('a client that goes away ends the process in the instance', async () => {
    const child = spawn(process.execPath, [cliBin, 'run', 'www', '--', 'sh', '-c', 'echo started; exec sleep 303'], { cwd: dir, env: p.env });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('started') && resolve()));
    expect(await processes(instance)).toContain('sleep 303');
    child.kill('SIGKILL');
    await expect.poll(async () => processes(instance), { timeout: 10_000 }).not.toContain('sleep 303');
  });
});

describe('paas run at scale 0', () => {
  it('(www is scaled to 0 through the API)', async () => {
    const res = await fetch(`http://127.0.0.1:${p.apiPort}/v1/apps/${APP}/scale`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scale: { www: 0 } }),
    });
    const body = await res.text();
    expect(res.status, body).toBe(200);
    expect(body).toMatch(/"converged"/);
    await expect.poll(() => containers(), { timeout: 30_000 }).toEqual([]);
  });

  it('gets a one-off container of the active release, removed when the command ends', async () => {
    const since = Date.now() / 1000;
    const r = await p.paas(['run', 'www', '--', 'sh', '-c', 'id -un; pwd; echo "$PAAS_INSTANCE $PAAS_RELEASE"; cat VERSION; exit 5'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('app\n/home/app/current\nwww.1 v1\nrun-1\n');
    expect(r.code).toBe(5);
    const created = await events(since, 'create', ['label=paas.oneoff=1']);
    expect(created).toHaveLength(1);
    expect(await events(since, 'destroy', ['label=paas.oneoff=1'])).toEqual(created);
    expect(await containers()).toEqual([]);
  });

  it('streams stdin into the one-off too', async () => {
    const data = randomBytes(200 * 1024);
    const r = await paasBytes(['run', 'www', '--', 'cat'], data);
    expect(r.code).toBe(0);
    expect(r.stdout.equals(data)).toBe(true);
    expect(await containers()).toEqual([]);
  });

  it('removes the one-off when the client goes away', async () => {
    const child = spawn(process.execPath, [cliBin, 'run', 'www', '--', 'sh', '-c', 'echo started; exec sleep 304'], { cwd: dir, env: p.env });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('started') && resolve()));
    expect(await containers('label=paas.oneoff=1')).toHaveLength(1);
    child.kill('SIGKILL');
    await expect.poll(() => containers(), { timeout: 15_000 }).toEqual([]);
  });

  it('www.1 names an instance, which does not run now', async () => {
    const r = await p.paas(['run', 'www.1', '--', 'true'], { cwd: dir });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/paas run www starts a one-off container/);
  });
});
