import { spawn } from 'node:child_process';
import type http from 'node:http';
import { RUN_STDERR, RUN_STDIN_CHUNK, RUN_STDOUT } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { sendJson, serve } from './helpers/http-server.js';
import { BIN, runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

interface Session {
  url: string;
  auth: string | undefined;
  frames: Buffer[];
  controls: unknown[];
}

/**
 * A stand-in for the API's run route: a real WebSocket server that records
 * what the CLI sends and plays `script` once stdin ended (or at once).
 */
async function fakeRun(script: (ws: WebSocket, s: Session) => void, opts: { waitForEof?: boolean } = {}): Promise<{ url: string; sessions: Session[] }> {
  const sessions: Session[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const { url, server } = await serve((_req, res) => sendJson(res, 404, { code: 'NOT_FOUND', message: 'no route' }));
  server.on('upgrade', (req: http.IncomingMessage, socket, head) => {
    if (req.headers.authorization !== 'Bearer good') {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"code":"AUTH_REQUIRED","message":"missing or invalid token"}');
      return;
    }
    if (!req.url?.startsWith('/v1/apps/blog/')) {
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"code":"APP_NOT_FOUND","message":"no app named that"}');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const s: Session = { url: req.url ?? '', auth: req.headers.authorization, frames: [], controls: [] };
      sessions.push(s);
      ws.on('message', (data: Buffer, isBinary) => {
        if (isBinary) return void s.frames.push(data);
        const m = JSON.parse(data.toString()) as { type: string };
        s.controls.push(m);
        if (m.type === 'eof' && opts.waitForEof) script(ws, s);
      });
      ws.send(JSON.stringify({ type: 'started', instance: 'www.1', oneOff: false }));
      if (!opts.waitForEof) script(ws, s);
    });
  });
  return { url, sessions };
}

const out = (stream: number, text: string | Buffer): Buffer => Buffer.concat([Buffer.of(stream), Buffer.from(text)]);

async function env(api: string, token = 'good'): Promise<Record<string, string>> {
  return { PAAS_HOME: await tempDir(), PAAS_API_URL: api, PAAS_TOKEN: token, NO_COLOR: '1' };
}

describe('paas run against a real WebSocket server', () => {
  it('sends the command in the query, stdin in bounded frames then eof; prints both streams; exits with the status', async () => {
    const api = await fakeRun((ws, s) => {
      const input = Buffer.concat(s.frames);
      ws.send(out(RUN_STDOUT, `got ${input.length} bytes\n`));
      ws.send(out(RUN_STDERR, 'a warning\n'));
      ws.send(JSON.stringify({ type: 'exit', code: 3 }));
      ws.close(1000);
    }, { waitForEof: true });
    const input = 'x'.repeat(100 * 1024 + 5);
    const r = await runCli(['run', 'www.2', '-a', 'blog', '--', 'sh', '-c', 'wc -c; echo "$HOME"'], { env: await env(api.url), input });
    expect(r.stderr).toBe('a warning\n');
    expect(r.stdout).toBe(`got ${input.length} bytes\n`);
    expect(r.code).toBe(3);
    const [s] = api.sessions;
    expect(s?.auth).toBe('Bearer good');
    expect(s?.url).toBe('/v1/apps/blog/run?service=www&index=2&argv=sh&argv=-c&argv=wc+-c%3B+echo+%22%24HOME%22');
    expect(s?.frames.every((f) => f.length <= RUN_STDIN_CHUNK)).toBe(true);
    expect(s?.controls).toEqual([{ type: 'eof' }]);
  });

  it('exits 0 after exit 0, with no note on stdout or stderr off a terminal', async () => {
    const api = await fakeRun((ws) => {
      ws.send(JSON.stringify({ type: 'exit', code: 0 }));
      ws.close(1000);
    });
    const r = await runCli(['run', 'www', '-a', 'blog'], { env: await env(api.url) });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('an error from the server exits with its catalogue code', async () => {
    const api = await fakeRun((ws) => {
      ws.send(JSON.stringify({ type: 'error', error: { code: 'ENGINE_UNAVAILABLE', message: 'the Docker Engine does not answer (ECONNREFUSED)' } }));
      ws.close(1011);
    });
    const r = await runCli(['run', 'www', '-a', 'blog', '--', 'true'], { env: await env(api.url) });
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/^ ! {5}the Docker Engine does not answer/);
  });

  it('a session that ends without an exit status is a lost connection (exit 9), never success', async () => {
    const api = await fakeRun((ws) => {
      ws.send(out(RUN_STDOUT, 'partial'));
      setTimeout(() => ws.terminate(), 50);
    });
    const r = await runCli(['run', 'www', '-a', 'blog', '--', 'true'], { env: await env(api.url) });
    expect(r.stdout).toBe('partial');
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/connection to the API was lost/);
  });

  it('a reader that goes away (| head) stops the session quietly with 141, as SIGPIPE would', async () => {
    let closedByClient = false;
    const api = await fakeRun((ws) => {
      ws.on('close', () => (closedByClient = true));
      const chunk = out(RUN_STDOUT, 'y\n'.repeat(16 * 1024));
      const pump = (): void => {
        if (ws.readyState !== ws.OPEN) return;
        ws.send(chunk, () => setImmediate(pump));
      };
      pump();
    });
    const environment = { ...process.env, ...(await env(api.url)) };
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', `"${process.execPath}" "${BIN}" run www -a blog -- yes | head -c 5; echo " status=\${PIPESTATUS[0]}"`], { env: environment });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(r.stdout).toBe('y\ny\ny status=141\n');
    expect(r.stderr).toBe('');
    await expect.poll(() => closedByClient).toBe(true);
  });

  it('refusals before the upgrade use the catalogue: a bad token exits 8, an unknown app 4', async () => {
    const api = await fakeRun(() => undefined);
    const bad = await runCli(['run', 'www', '-a', 'blog', '--', 'true'], { env: await env(api.url, 'bad') });
    expect(bad.code).toBe(8);
    expect(bad.stderr).toMatch(/missing or invalid token/);
    const unknown = await runCli(['run', 'www', '-a', 'other', '--', 'true'], { env: await env(api.url) });
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/no app named that/);
    expect(api.sessions).toEqual([]);
  });

  it('a bad instance name is a usage error before any connection', async () => {
    const api = await fakeRun(() => undefined);
    const r = await runCli(['run', 'www.x', '-a', 'blog'], { env: await env(api.url) });
    expect(r.code).toBe(2);
    expect(api.sessions).toEqual([]);
  });
});
