import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { LogFrame } from '@paas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { copyApp, writeVersion } from './harness/app-dir.js';
import { followCli } from './harness/cli-follow.js';
import { getVia } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

// paas logs end to end: the real binary, API, router and engine
// (architecture.md "Logs and run", reliability 25).

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** `2026-11-29T10:00:00Z www.1 | text` */
const LINE_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (\S+) \| (.*)$/;

let p: Platform;
let dir: string;
let asAdmin: NodeJS.ProcessEnv;
const app = 'logs';
const say = async (text: string, kind: 'log' | 'err' = 'log'): Promise<void> => {
  const r = await getVia(p.routerPort, `${app}.localhost`, `/${kind}/${encodeURIComponent(text)}`);
  expect(r.status).toBe(200);
};
const paasLogs = async (args: string[]) => p.paas(['logs', '-a', app, ...args]);
const printed = (stdout: string): string[][] =>
  stdout.split('\n').filter(Boolean).map((l) => {
    const m = LINE_RE.exec(l);
    expect(m, `not a log line: ${l}`).not.toBeNull();
    return [m?.[1] ?? '', m?.[2] ?? ''];
  });

beforeAll(async () => {
  p = await startPlatform();
  asAdmin = { ...p.env, PAAS_API_URL: `http://127.0.0.1:${p.apiPort}`, PAAS_TOKEN: await p.adminToken() };
  dir = await copyApp('test/fixtures/logger');
  await writeVersion(dir, 'v-one');
  expect((await p.paas(['create', app], { cwd: dir })).code).toBe(0);
  const pushed = await p.paas(['push'], { cwd: dir });
  expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
});
afterAll(async () => {
  await p?.stop();
});

describe('paas logs follows the app', () => {
  it('shows a line the app prints within a second, then exits 0 on Ctrl-C', async () => {
    const follow = followCli(['logs', '-a', app], asAdmin);
    try {
      await follow.waitFor((l) => l.endsWith('www.1 | booted v-one'));
      const latencies: number[] = [];
      for (let i = 1; i <= 5; i++) {
        const marker = `marker-${i}-${Date.now()}`;
        const sent = performance.now();
        await say(marker);
        const seen = await follow.waitFor((l) => l.endsWith(`| ${marker}`), 5_000);
        latencies.push(seen.at - sent);
      }
      expect(Math.max(...latencies), `latencies ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`).toBeLessThan(1_000);
    } finally {
      expect(await follow.interrupt()).toBe(0);
    }
    expect(follow.stderr()).toBe('');
  });

  it('-n N --no-follow prints the last N lines of each instance and exits', async () => {
    for (let i = 1; i <= 5; i++) await say(`tail-${i}`);
    const r = await paasLogs(['-n', '2', '--no-follow']);
    expect(r.code, r.stderr).toBe(0);
    expect(printed(r.stdout)).toEqual([['www.1', 'tail-4'], ['www.1', 'tail-5']]);
  });

  it('--since leaves out older lines; stderr lines come too', async () => {
    await say('early');
    await sleep(3_000);
    await say('late', 'err');
    const r = await paasLogs(['--since', '2s', '--no-follow']);
    expect(r.code, r.stderr).toBe(0);
    expect(printed(r.stdout)).toEqual([['www.1', 'late']]);
  });

  it('--json prints the frames: time with nanoseconds, instance, release, stream, text', async () => {
    const r = await paasLogs(['--json', '-n', '1', '--no-follow']);
    expect(r.code, r.stderr).toBe(0);
    const frames = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as LogFrame);
    expect(frames).toEqual([{ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/), instance: 'www.1', release: 'v1', stream: 'stderr', text: 'late' }]);
  });

  it('follows instances as scaling starts them, and keeps the lines of those it stops', async () => {
    const follow = followCli(['logs', '-a', app, '-n', '0'], asAdmin);
    try {
      await sleep(1_000);
      await scale(2);
      await follow.waitFor((l) => l.endsWith('www.2 | booted v-one'), 30_000);
      // Requests now reach both instances; each prints its own marker.
      for (let i = 0; i < 6; i++) await say(`both-${i}`);
      await follow.waitFor((l) => l.endsWith('| both-5'), 5_000);
      await scale(1);
    } finally {
      expect(await follow.interrupt()).toBe(0);
    }
    const after = await paasLogs(['www.2', '--no-follow']);
    expect(after.code, after.stderr).toBe(0);
    expect(printed(after.stdout)[0]).toEqual(['www.2', 'booted v-one']);
  });
});

describe('retention', () => {
  it("after a second push the previous release's lines are still shown", async () => {
    await say('said by v1');
    await writeVersion(dir, 'v-two');
    const pushed = await p.paas(['push'], { cwd: dir });
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    // Old instances are retired in the background after the push; once the
    // v1 container is gone, its lines can only come from the store.
    const v1Containers = async (): Promise<string> =>
      (await run('docker', ['ps', '-aq', '--filter', `label=paas.test=${p.runId}`, '--filter', `label=paas.app=${app}`, '--filter', 'label=paas.release=v1'])).stdout.trim();
    const deadline = Date.now() + 60_000;
    while ((await v1Containers()) !== '' && Date.now() < deadline) await sleep(250);
    expect(await v1Containers()).toBe('');
    const r = await paasLogs(['--json', '--no-follow', '-n', '1000']);
    expect(r.code, r.stderr).toBe(0);
    const frames = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as LogFrame);
    const said = frames.findIndex((f) => f.text === 'said by v1');
    const booted = frames.findIndex((f) => f.text === 'booted v-two');
    expect(frames[said]).toMatchObject({ instance: 'www.1', release: 'v1' });
    expect(frames[booted]).toMatchObject({ instance: 'www.1', release: 'v2' });
    expect(said).toBeLessThan(booted);
    expect(frames.map((f) => f.time)).toEqual(frames.map((f) => f.time).sort());
  });

  it('paas logs --build shows the newest build and deploy; an unknown build exits 4', async () => {
    const r = await paasLogs(['--build']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('-----> Building www');
    expect(r.stdout).toContain(`-----> Live at http://${app}.localhost:${p.routerPort}`);
    const missing = await paasLogs(['--build', 'nope']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('no build nope');
  });
});

describe('python output without flush', () => {
  it("a python-worker's print reaches paas logs as it happens", async () => {
    const worker = await copyApp('test/fixtures/python-worker-print');
    expect((await p.paas(['create', 'ticker'], { cwd: worker })).code).toBe(0);
    const pushed = await p.paas(['push'], { cwd: worker });
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    const follow = followCli(['logs', '-a', 'ticker', '-n', '0'], asAdmin);
    try {
      // One line every 0.5 s, each as it is printed: block-buffered, none would come for minutes.
      const isTick = (l: string): boolean => / worker\.1 \| tick \d+$/.test(l);
      await follow.waitFor(isTick, 10_000);
      const deadline = Date.now() + 5_000;
      while (follow.lines.filter((x) => isTick(x.text)).length < 3 && Date.now() < deadline) await sleep(50);
      const ticks = follow.lines.filter((x) => isTick(x.text));
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      expect((ticks[2]?.at ?? 0) - (ticks[0]?.at ?? 0)).toBeGreaterThan(500);
    } finally {
      expect(await follow.interrupt()).toBe(0);
    }
  });
});

describe('refusals (reliability 25)', () => {
  const wsUrl = (name: string, query = '') => `ws://127.0.0.1:${p.apiPort}/v1/apps/${name}/logs${query}`;
  /** The HTTP answer to a handshake that is refused, or 101. */
  const handshake = (url: string, token?: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body });
          ws.terminate();
        });
      });
      ws.on('open', () => {
        resolve({ status: 101, body: '' });
        ws.terminate();
      });
      ws.on('error', (err) => (err.message.includes('closed before') ? undefined : reject(err)));
    });

  it("a bad or missing token gets 401 and another user's app 404, before the upgrade", async () => {
    expect(await handshake(wsUrl(app))).toMatchObject({ status: 401, body: expect.stringContaining('AUTH_REQUIRED') });
    expect(await handshake(wsUrl(app), 'paas_wrong')).toMatchObject({ status: 401, body: expect.stringContaining('AUTH_REQUIRED') });
    const added = await p.paas(['users', 'add', 'bob']);
    const bob = /paas_[A-Za-z0-9_-]+/.exec(added.stdout)?.[0] ?? '';
    expect(bob).not.toBe('');
    const theirs = await handshake(wsUrl(app), bob);
    const missing = await handshake(wsUrl('no-such-app'), bob);
    expect(theirs.status).toBe(404);
    expect(theirs.body.replace(app, 'X')).toBe(missing.body.replace('no-such-app', 'X'));
    expect(await handshake(wsUrl(app, '?tail=lots'), await p.adminToken())).toMatchObject({ status: 400, body: expect.stringContaining('BAD_REQUEST') });
    expect(await handshake(wsUrl(app), await p.adminToken())).toEqual({ status: 101, body: '' });

    // The same through the CLI: exit 8 and exit 4 with the catalogue's message.
    const cliBad = await p.paas(['logs', '-a', app], { env: { PAAS_API_URL: `http://127.0.0.1:${p.apiPort}`, PAAS_TOKEN: 'paas_wrong' } });
    expect(cliBad.code).toBe(8);
    expect(cliBad.stderr).toContain('missing or invalid token');
    const cliTheirs = await p.paas(['logs', '-a', app], { env: { PAAS_API_URL: `http://127.0.0.1:${p.apiPort}`, PAAS_TOKEN: bob } });
    expect(cliTheirs.code).toBe(4);
    expect(cliTheirs.stderr).toContain(`no app named ${app}`);
    const unknownService = await paasLogs(['wwx']);
    expect(unknownService.code).toBe(4);
    expect(unknownService.stderr).toContain('has no service wwx');
  });

  it('a client frame over 64 KiB closes the socket with 1009', async () => {
    const ws = new WebSocket(wsUrl(app), { headers: { authorization: `Bearer ${await p.adminToken()}` } });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => undefined);
    ws.send(Buffer.alloc(64 * 1024 + 1, 'x'));
    expect(await closed).toBe(1009);
  });
});

/** POST /v1/apps/logs/scale and read its NDJSON stream to the end. */
async function scale(n: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${p.apiPort}/v1/apps/${app}/scale`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await p.adminToken()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scale: { www: n } }),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(text).not.toContain('"type":"error"');
}
