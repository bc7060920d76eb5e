import type http from 'node:http';
import type { LogFrame } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { formatLogFrame } from '../src/log-format.js';
import { sendJson, serve } from './helpers/http-server.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

const frames: LogFrame[] = [
  { time: '2026-11-29T10:00:00.123456789Z', instance: 'www.1', release: 'v1', stream: 'stdout', text: 'listening on 8080' },
  { time: '2026-11-29T10:00:01.5Z', instance: 'www.2', release: 'v2', stream: 'stderr', text: 'a warning' },
];

interface Seen {
  url: string;
  auth: string | undefined;
}

/**
 * A stand-in for the API's logs WebSocket: checks the token and the app
 * before the upgrade like the real one, sends the frames, then `end` unless
 * follow=1 (then it keeps the socket open).
 */
async function fakeLogsApi(): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const { url, server } = await serve((req, res) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    if (req.headers.authorization !== 'Bearer good') return sendJson(res, 401, { code: 'AUTH_REQUIRED', message: 'missing or invalid token' });
    if (req.url === '/v1/apps/blog/builds/latest/log' || req.url === '/v1/apps/blog/builds/b1/log') {
      return sendJson(res, 200, {
        build: { id: 'b1', number: 1, status: 'succeeded', error: null, createdAt: '2026-11-29T10:00:00.000Z', finishedAt: null },
        lines: ['-----> Building www', '       Step 1/9 : FROM paas/stack:bookworm', '-----> Live at http://blog.localhost:8080'],
      });
    }
    if (req.url?.startsWith('/v1/apps/blog/builds/')) return sendJson(res, 404, { code: 'BUILD_NOT_FOUND', message: 'blog has no build nope' });
    return sendJson(res, 404, { code: 'APP_NOT_FOUND', message: 'no app named x' });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket, head) => {
    seen.push({ url: req.url ?? '', auth: req.headers.authorization });
    const refuse = (status: number, body: object): void => {
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 ${status} No\r\ncontent-type: application/json\r\ncontent-length: ${text.length}\r\nconnection: close\r\n\r\n${text}`);
    };
    if (req.headers.authorization !== 'Bearer good') return refuse(401, { code: 'AUTH_REQUIRED', message: 'missing or invalid token' });
    if (!req.url?.startsWith('/v1/apps/blog/logs')) return refuse(404, { code: 'APP_NOT_FOUND', message: 'no app named other', hint: 'paas apps lists your apps' });
    wss.handleUpgrade(req, socket, head, (ws) => {
      for (const f of frames) ws.send(JSON.stringify(f));
      if (req.url?.includes('follow=0')) {
        ws.send(JSON.stringify({ type: 'end' }));
        ws.close(1000);
      } else if (req.url?.includes('service=boom')) {
        ws.send(JSON.stringify({ type: 'error', error: { code: 'ENGINE_UNAVAILABLE', message: 'the Docker Engine does not answer' } }));
        ws.close(1011);
      } else if (req.url?.includes('service=drop')) {
        ws.terminate();
      }
    });
  });
  return { url, seen };
}

const env = (home: string, api: string, token = 'good') => ({ PAAS_HOME: home, PAAS_API_URL: api, PAAS_TOKEN: token });

describe('formatLogFrame', () => {
  it('prints the time to the second in UTC, the instance and the text', () => {
    expect(formatLogFrame(frames[0] as LogFrame, false)).toBe('2026-11-29T10:00:00Z www.1 | listening on 8080');
    expect(formatLogFrame({ ...(frames[0] as LogFrame), time: '2026-11-29T11:00:00.9+01:00' }, false)).toBe('2026-11-29T10:00:00Z www.1 | listening on 8080');
  });

  it('colours time and instance only when asked', () => {
    expect(formatLogFrame(frames[0] as LogFrame, true)).toBe('\u001b[2m2026-11-29T10:00:00Z\u001b[22m \u001b[36mwww.1\u001b[39m | listening on 8080');
  });
});

describe('paas logs against a WebSocket server', () => {
  it('--no-follow prints every line, then exits 0 at the end frame; the query carries -n, --since and the instance', async () => {
    const api = await fakeLogsApi();
    const r = await runCli(['logs', 'www.2', '-n', '5', '--since', '10m', '--no-follow', '-a', 'blog'], { env: env(await tempDir(), api.url) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2026-11-29T10:00:00Z www.1 | listening on 8080\n2026-11-29T10:00:01Z www.2 | a warning\n');
    expect(api.seen).toEqual([{ url: '/v1/apps/blog/logs?service=www.2&tail=5&since=10m&follow=0', auth: 'Bearer good' }]);
  });

  it('--json prints the frames as NDJSON, without the end frame', async () => {
    const api = await fakeLogsApi();
    const r = await runCli(['logs', '--json', '--no-follow', '-a', 'blog'], { env: env(await tempDir(), api.url) });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual(frames);
  });

  it('a bad token exits 8 and an unknown app 4, with the API\'s message', async () => {
    const api = await fakeLogsApi();
    const home = await tempDir();
    const bad = await runCli(['logs', '-a', 'blog'], { env: env(home, api.url, 'wrong') });
    expect(bad.code).toBe(8);
    expect(bad.stderr).toContain('missing or invalid token');
    const missing = await runCli(['logs', '-a', 'other'], { env: env(home, api.url) });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('no app named other');
    expect(missing.stderr).toContain('hint: paas apps lists your apps');
  });

  it('an error frame becomes the CLI error; a dropped connection exits 9', async () => {
    const api = await fakeLogsApi();
    const home = await tempDir();
    const boom = await runCli(['logs', 'boom', '-a', 'blog'], { env: env(home, api.url) });
    expect(boom.code).toBe(9);
    expect(boom.stderr).toContain('the Docker Engine does not answer');
    const drop = await runCli(['logs', 'drop', '-a', 'blog'], { env: env(home, api.url) });
    expect(drop.code).toBe(9);
    expect(drop.stderr).toContain('connection to the API was lost');
  });

  it('no API at all exits 9', async () => {
    const r = await runCli(['logs', '-a', 'blog'], { env: env(await tempDir(), 'http://127.0.0.1:9') });
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('cannot reach the paas API');
  });

  it.each([
    [['logs', 'WWW']],
    [['logs', 'www.0']],
    [['logs', '-n', '-1']],
    [['logs', '-n', 'all']],
    [['logs', '--since', 'yesterday']],
    [['logs', 'www', '--build']],
  ])('refuses %j with a usage error before any request', async (args) => {
    const api = await fakeLogsApi();
    const r = await runCli([...args, '-a', 'blog'], { env: env(await tempDir(), api.url) });
    expect(r.code).toBe(2);
    expect(api.seen).toEqual([]);
  });
});

describe('paas logs --build', () => {
  it('prints the newest build log without an id, or the one named', async () => {
    const api = await fakeLogsApi();
    const home = await tempDir();
    const latest = await runCli(['logs', '--build', '-a', 'blog'], { env: env(home, api.url) });
    expect(latest.code).toBe(0);
    expect(latest.stdout).toBe('-----> Building www\n       Step 1/9 : FROM paas/stack:bookworm\n-----> Live at http://blog.localhost:8080\n');
    const named = await runCli(['logs', '--build', 'b1', '-a', 'blog', '--json'], { env: env(home, api.url) });
    expect(JSON.parse(named.stdout)).toMatchObject({ build: { id: 'b1' }, lines: expect.any(Array) });
    expect(api.seen.map((s) => s.url)).toEqual(['/v1/apps/blog/builds/latest/log', '/v1/apps/blog/builds/b1/log']);
  });

  it('an unknown build exits 4 with BUILD_NOT_FOUND', async () => {
    const api = await fakeLogsApi();
    const r = await runCli(['logs', '--build', 'nope', '-a', 'blog'], { env: env(await tempDir(), api.url) });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('blog has no build nope');
  });
});

describe('paas logs following', () => {
  it('keeps printing until Ctrl-C, then exits 0', async () => {
    const api = await fakeLogsApi();
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('./helpers/run-cli.js');
    const child = spawn(process.execPath, [BIN, 'logs', '-a', 'blog'], { env: { ...process.env, ...env(await tempDir(), api.url) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!out.includes('a warning') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(out).toContain('www.2 | a warning');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
  });
});
