import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import { join } from 'node:path';
import type { AppInfo } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { readBody, sendJson, serve } from './helpers/http-server.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';
import { untar, type TarEntry } from './helpers/untar.js';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body?: unknown;
  entries?: TarEntry[];
}

const blog: AppInfo = { name: 'blog', owner: 'alice', createdAt: '2025-01-02T03:04:05.000Z', url: 'http://blog.localhost:8080', release: null };

/** A small stand-in for the API: records what it was asked and answers like the real one. */
async function fakeApi(push: (res: http.ServerResponse) => void = () => undefined): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const { url } = await serve(async (req, res) => {
    const entry: Seen = { method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization };
    seen.push(entry);
    if (req.headers.authorization !== 'Bearer good') return sendJson(res, 401, { code: 'AUTH_REQUIRED', message: 'bad token' });
    if (req.method === 'POST' && /\/pushes(\?|$)/.test(req.url ?? '')) {
      entry.entries = await untar(req);
      return push(res);
    }
    const text = (await readBody(req)).toString();
    if (text !== '') entry.body = JSON.parse(text);
    if (req.url === '/v1/whoami') return sendJson(res, 200, { name: 'alice', admin: true });
    if (req.method === 'POST' && req.url === '/v1/apps') return sendJson(res, 201, { ...blog, name: (entry.body as { name: string }).name });
    if (req.method === 'GET' && req.url === '/v1/apps') return sendJson(res, 200, [blog]);
    if (req.method === 'GET' && req.url === '/v1/apps/blog') {
      return sendJson(res, 200, { ...blog, release: 'v3', spec: null, scale: { www: 2 }, releases: [{ id: 'v3', version: 3, build: 'b1', status: 'active', createdAt: '2026-11-29T10:00:00.000Z' }], builds: [], instances: [{ name: 'www.1', service: 'www', release: 'v3', state: 'healthy', restarts: 0, uptime: 125, exitCode: null, address: '127.0.0.1:32768' }] });
    }
    if (req.method === 'DELETE' && req.url === '/v1/apps/blog') {
      res.writeHead(204);
      return res.end();
    }
    if (req.method === 'POST' && req.url === '/v1/users') return sendJson(res, 201, { name: 'bob', admin: false, token: 'tok-bob' });
    return sendJson(res, 404, { code: 'APP_NOT_FOUND', message: `no app for ${req.url}` });
  });
  return { url, seen };
}

async function project(): Promise<string> {
  const dir = join(await tempDir(), 'My_Blog');
  await mkdir(join(dir, 'node_modules', 'x'), { recursive: true });
  await writeFile(join(dir, 'paas.yml'), 'www:\n  type: static\n');
  await writeFile(join(dir, 'index.html'), '<h1>hi</h1>\n');
  await writeFile(join(dir, '.gitignore'), 'node_modules/\n');
  await writeFile(join(dir, 'node_modules', 'x', 'i.js'), '');
  return dir;
}

function env(home: string, api: string, token = 'good'): Record<string, string> {
  return { PAAS_HOME: home, PAAS_API_URL: api, PAAS_TOKEN: token };
}

describe('app commands against a real HTTP server', () => {
  it('create links the directory under the sanitised directory name', async () => {
    const api = await fakeApi();
    const dir = await project();
    const r = await runCli(['create'], { cwd: dir, env: env(await tempDir(), api.url) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(api.seen.map((s) => [s.method, s.url, s.body])).toEqual([['POST', '/v1/apps', { name: 'my-blog' }]]);
    expect(JSON.parse(await readFile(join(dir, '.paas', 'app.json'), 'utf8'))).toEqual({ app: 'my-blog' });
    expect(r.stdout).toContain('-----> Created my-blog\n');
  });

  it('create rejects an invalid name before any request', async () => {
    const api = await fakeApi();
    const r = await runCli(['create', 'Bad_Name'], { cwd: await tempDir(), env: env(await tempDir(), api.url) });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^ ! {5}invalid app name "Bad_Name"\n {7}hint: /);
    expect(api.seen).toEqual([]);
  });

  it('apps --json and info --json print exactly the API JSON', async () => {
    const api = await fakeApi();
    const home = await tempDir();
    const apps = await runCli(['apps', '--json'], { env: env(home, api.url) });
    expect(apps.code).toBe(0);
    expect(JSON.parse(apps.stdout)).toEqual([blog]);
    const info = await runCli(['info', '--json', '-a', 'blog'], { env: env(home, api.url) });
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ name: 'blog', release: 'v3', scale: { www: 2 } });
  });

  it('info and url use the link; without one they fail with NOT_LINKED', async () => {
    const api = await fakeApi();
    const home = await tempDir();
    const dir = await tempDir();
    const unlinked = await runCli(['url'], { cwd: dir, env: env(home, api.url) });
    expect(unlinked.code).toBe(2);
    expect(unlinked.stderr).toContain('hint: run paas create (a new app) or paas link NAME (an existing one), or pass --app');
    await mkdir(join(dir, '.paas'));
    await writeFile(join(dir, '.paas', 'app.json'), '{"app":"blog"}');
    const url = await runCli(['url'], { cwd: dir, env: env(home, api.url) });
    expect(url.stdout).toBe('http://blog.localhost:8080\n');
    const info = await runCli(['info'], { cwd: dir, env: env(home, api.url) });
    expect(info.code).toBe(0);
    expect(info.stdout).toContain('=== blog\n');
    expect(info.stdout).toMatch(/^Release: +v3$/m);
    expect(info.stdout).toMatch(/^INSTANCE +RELEASE +STATE +RESTARTS +UPTIME$/m);
    expect(info.stdout).toMatch(/^www\.1 +v3 +healthy +0 +2m$/m);
    expect(info.stdout).toContain('=== Releases\n');
    expect(info.stdout).toMatch(/^v3 +active +build b1 +2026-11-29T10:00:00.000Z$/m);
    expect(info.stdout).toContain('=== Builds\n(none yet)\n');
  });

  it('an unknown app is exit 4 with the API message', async () => {
    const api = await fakeApi();
    const r = await runCli(['info', '-a', 'nope'], { env: env(await tempDir(), api.url) });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(' !     no app for /v1/apps/nope\n');
  });

  it('push validates, uploads the packed tree without ignored files, and renders the events', async () => {
    const api = await fakeApi((res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ type: 'build.step', service: 'www', step: 'Step 1/2 : FROM paas/stack:bookworm' })}\n`);
      res.write(`${JSON.stringify({ type: 'deploy.switch', service: 'www', release: 'v1', targets: 1 })}\n`);
      res.end(`${JSON.stringify({ type: 'done', release: 'v1', url: 'http://blog.localhost:8080' })}\n`);
    });
    const dir = await project();
    const r = await runCli(['push', '-a', 'blog', '--clean'], { cwd: dir, env: env(await tempDir(), api.url) });
    expect(r.code).toBe(0);
    expect(api.seen.map((s) => s.url)).toEqual(['/v1/apps/blog/pushes?clean=1']);
    expect(api.seen[0]?.entries?.map((e) => e.name)).toEqual(['.gitignore', 'index.html', 'paas.yml']);
    expect(r.stdout).toMatch(/^-----> paas\.yml: 1 service\n {7}www: static/);
    expect(r.stdout).toMatch(/-----> Uploading blog: 3 entries, .*\n-----> Building www\n {7}Step 1\/2 : FROM paas\/stack:bookworm\n-----> www switched to v1 \(1 instance\)\n-----> Live at http:\/\/blog\.localhost:8080\n$/);
    // Off a TTY the progress bar is one final line.
    expect(r.stderr).toMatch(/^ {7}Uploaded \d+(\.\d)? (B|KB)\n$/);
  });

  it('push exits with the error code of an error event and prints the logs', async () => {
    const api = await fakeApi((res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(`${JSON.stringify({ type: 'error', error: { code: 'BUILD_FAILED', message: 'Step 2/5 failed: exit 100' }, logs: ['E: Unable to locate package nope'] })}\n`);
    });
    const r = await runCli(['push', '-a', 'blog'], { cwd: await project(), env: env(await tempDir(), api.url) });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain(' !     Step 2/5 failed: exit 100\n       last log lines:\n       | E: Unable to locate package nope\n');
  });

  it('push exits 9 when the stream is cut before done', async () => {
    const api = await fakeApi((res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ type: 'build.step', service: 'www', step: 'Step 1/2' })}\n`);
      setTimeout(() => res.socket?.destroy(), 50);
    });
    const r = await runCli(['push', '-a', 'blog'], { cwd: await project(), env: env(await tempDir(), api.url) });
    expect(r.code).toBe(9);
    expect(r.stderr).toContain(' !     the connection to the API was lost\n');
  });

  it('push stops at an invalid spec before uploading anything', async () => {
    const api = await fakeApi();
    const dir = await project();
    await writeFile(join(dir, 'paas.yml'), 'www:\n  type: static\n  ports: {web: https}\n');
    const r = await runCli(['push', '-a', 'blog'], { cwd: dir, env: env(await tempDir(), api.url) });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^ {7}www\.ports\.web: /m);
    expect(api.seen).toEqual([]);
  });

  it('destroy never deletes without confirmation off a TTY', async () => {
    const api = await fakeApi();
    const home = await tempDir();
    const refused = await runCli(['destroy', 'blog'], { env: env(home, api.url), input: 'blog\n' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect(api.seen).toEqual([]);
    const dir = await tempDir();
    await mkdir(join(dir, '.paas'));
    await writeFile(join(dir, '.paas', 'app.json'), '{"app":"blog"}');
    const done = await runCli(['destroy', 'blog', '--yes'], { cwd: dir, env: env(home, api.url) });
    expect(done.code).toBe(0);
    // In a linked directory NAME is first looked up as a data service of the linked app.
    expect(api.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['GET /v1/apps/blog/services/blog', 'DELETE /v1/apps/blog']);
    // The link to a destroyed app goes too.
    await expect(stat(join(dir, '.paas', 'app.json'))).rejects.toThrow();
  });

  it('login checks the token, then saves it readable by the owner only', async () => {
    const api = await fakeApi();
    const home = await tempDir();
    const bad = await runCli(['login', '--api', api.url, '--token', 'wrong'], { env: { PAAS_HOME: home } });
    expect(bad.code).toBe(8);
    await expect(stat(join(home, 'cli.json'))).rejects.toThrow();
    const ok = await runCli(['login', '--api', `${api.url}/`, '--token', 'good'], { env: { PAAS_HOME: home } });
    expect(ok.code).toBe(0);
    expect(JSON.parse(await readFile(join(home, 'cli.json'), 'utf8'))).toEqual({ api: api.url, token: 'good' });
    expect((await stat(join(home, 'cli.json'))).mode & 0o777).toBe(0o600);
    const me = await runCli(['whoami'], { env: { PAAS_HOME: home } });
    expect(me.stdout).toBe(`alice (admin) at ${api.url}\n`);
  });

  it('users add prints the token once with a note', async () => {
    const api = await fakeApi();
    const r = await runCli(['users', 'add', 'bob'], { env: env(await tempDir(), api.url) });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('token: tok-bob\n');
    expect(r.stdout).toContain('shown only once');
  });

  it('without any login, app commands say how to log in (exit 8)', async () => {
    const r = await runCli(['apps'], { env: { PAAS_HOME: await tempDir(), PAAS_API_URL: 'http://127.0.0.1:9' } });
    expect(r.code).toBe(8);
    expect(r.stderr).toContain('hint: run paas login');
  });
});
