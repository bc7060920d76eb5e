import type { DomainAdded, HttpsSettings } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { httpsChange } from '../src/commands/https.js';
import { readBody, sendJson, serve } from './helpers/http-server.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

interface Seen { method: string; url: string; body?: unknown }

const added = (name: string, created = true): DomainAdded => ({
  name, app: 'blog', wildcard: name.startsWith('*.'), url: name.startsWith('*.') ? null : `http://${name}:8080`, target: 'blog.paas.example.net', createdAt: '2026-11-29T10:00:00.000Z', created,
});

/** The domain and https routes as the API answers them. */
async function fakeApi(): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  let https: HttpsSettings = { redirect: false, hstsMaxAge: null };
  const { url } = await serve(async (req, res) => {
    const entry: Seen = { method: req.method ?? '', url: req.url ?? '' };
    seen.push(entry);
    const text = (await readBody(req)).toString();
    if (text !== '') entry.body = JSON.parse(text);
    if (req.method === 'POST' && req.url === '/v1/apps/blog/domains') {
      const name = (entry.body as { name: string }).name;
      if (name === 'taken.example.com') return sendJson(res, 409, { code: 'DOMAIN_TAKEN', message: 'the domain taken.example.com belongs to another app', hint: 'remove it there first' });
      return sendJson(res, name === 'again.example.com' ? 200 : 201, added(name, name !== 'again.example.com'));
    }
    if (req.method === 'GET' && req.url === '/v1/apps/blog/domains') return sendJson(res, 200, [added('*.example.com'), added('www.example.com')]);
    if (req.method === 'DELETE' && req.url === '/v1/apps/blog/domains/www.example.com') {
      res.writeHead(204);
      return res.end();
    }
    if (req.method === 'DELETE') return sendJson(res, 404, { code: 'DOMAIN_NOT_FOUND', message: 'blog has no domain nope.example.com' });
    if (req.url === '/v1/apps/blog/https') {
      if (req.method === 'PUT') https = { ...https, ...(entry.body as Partial<HttpsSettings>) };
      return sendJson(res, 200, https);
    }
    return sendJson(res, 404, { code: 'NOT_FOUND', message: `no route ${req.url}` });
  });
  return { url, seen };
}

const env = async (api: string) => ({ PAAS_HOME: await tempDir(), PAAS_API_URL: api, PAAS_TOKEN: 'good', NO_COLOR: '1' });

describe('paas domain', () => {
  it('add sends the normalised name and prints the DNS record to make and the URL', async () => {
    const api = await fakeApi();
    const r = await runCli(['domain', 'add', 'WWW.Example.COM.', '-a', 'blog'], { env: await env(api.url) });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(api.seen.map((s) => [s.method, s.url, s.body])).toEqual([['POST', '/v1/apps/blog/domains', { name: 'www.example.com' }]]);
    expect(r.stdout).toContain('-----> Added www.example.com to blog\n');
    expect(r.stdout).toContain("www.example.com  A     <the server's public IPv4 address>");
    expect(r.stdout).toContain('www.example.com  CNAME blog.paas.example.net');
    expect(r.stdout).toContain('URL: http://www.example.com:8080\n');
  });

  it('add of a wildcard explains which hosts it covers; add of a domain the app has says nothing changed', async () => {
    const api = await fakeApi();
    const wild = await runCli(['domain', 'add', '*.example.com', '-a', 'blog'], { env: await env(api.url) });
    expect(wild.code).toBe(0);
    expect(wild.stdout).toContain('URL: http://<any label>.example.com (one label: a.example.com, not a.b.example.com nor example.com)');
    const again = await runCli(['domain', 'add', 'again.example.com', '-a', 'blog', '--json'], { env: await env(api.url) });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ name: 'again.example.com', created: false });
  });

  it('refuses a bad name with exit 3 before any request', async () => {
    const api = await fakeApi();
    for (const bad of ['x.com/y', 'localhost', 'a..b', '*.', 'http://x.com', 'x.com:80']) {
      const r = await runCli(['domain', 'add', bad, '-a', 'blog'], { env: await env(api.url) });
      expect([bad, r.code]).toEqual([bad, 3]);
      expect(r.stderr).toContain(`invalid domain ${JSON.stringify(bad)}`);
    }
    expect(api.seen).toEqual([]);
  });

  it("exits 5 on another app's domain and 4 on removing one the app does not have", async () => {
    const api = await fakeApi();
    const taken = await runCli(['domain', 'add', 'taken.example.com', '-a', 'blog'], { env: await env(api.url) });
    expect(taken.code).toBe(5);
    expect(taken.stderr).toContain('belongs to another app');
    const missing = await runCli(['domain', 'rm', 'nope.example.com', '-a', 'blog'], { env: await env(api.url) });
    expect(missing.code).toBe(4);
  });

  it('rm, list, list --json and the domains alias', async () => {
    const api = await fakeApi();
    const rm = await runCli(['domain', 'rm', 'www.example.com', '-a', 'blog'], { env: await env(api.url) });
    expect([rm.code, rm.stdout]).toEqual([0, '-----> Removed www.example.com from blog\n']);
    const list = await runCli(['domain', 'list', '-a', 'blog'], { env: await env(api.url) });
    expect(list.stdout).toBe('=== blog domains\n*.example.com    (any one label in front of example.com)\nwww.example.com  http://www.example.com:8080\n');
    const json = await runCli(['domains', '-a', 'blog', '--json'], { env: await env(api.url) });
    expect((JSON.parse(json.stdout) as { name: string }[]).map((d) => d.name)).toEqual(['*.example.com', 'www.example.com']);
  });
});

describe('paas https', () => {
  it('maps the flags to the fields a PUT changes', () => {
    expect(httpsChange({})).toBeUndefined();
    expect(httpsChange({ redirect: true })).toEqual({ redirect: true });
    expect(httpsChange({ redirect: false, hsts: false })).toEqual({ redirect: false, hstsMaxAge: null });
    expect(httpsChange({ hsts: true })).toEqual({ hstsMaxAge: 31_536_000 });
    expect(httpsChange({ hsts: '0' })).toEqual({ hstsMaxAge: 0 });
    expect(httpsChange({ hsts: '300' })).toEqual({ hstsMaxAge: 300 });
    for (const bad of ['-1', '1.5', 'abc', '', '63072001', '1e3']) expect(() => httpsChange({ hsts: bad })).toThrow(/expected a whole number of seconds/);
  });

  it('shows the settings without flags, sets them with flags, --json for scripts; a bad value exits 2 before any request', async () => {
    const api = await fakeApi();
    const show = await runCli(['https', '-a', 'blog'], { env: await env(api.url) });
    expect(show.stdout).toBe('=== blog HTTPS\n       redirect HTTP → HTTPS: off\n       HSTS: off\n');
    const set = await runCli(['https', '--redirect', '--hsts=300', '-a', 'blog'], { env: await env(api.url) });
    expect(set.stdout).toBe('-----> HTTPS settings of blog changed\n       redirect HTTP → HTTPS: on (308)\n       HSTS: max-age=300\n');
    const json = await runCli(['https', '--json', '-a', 'blog'], { env: await env(api.url) });
    expect(JSON.parse(json.stdout)).toEqual({ redirect: true, hstsMaxAge: 300 });
    expect(api.seen.map((s) => [s.method, s.body])).toEqual([['GET', undefined], ['PUT', { redirect: true, hstsMaxAge: 300 }], ['GET', undefined]]);
    const bad = await runCli(['https', '--hsts=soon', '-a', 'blog'], { env: await env(api.url) });
    expect(bad.code).toBe(2);
    expect(api.seen).toHaveLength(3);
  });
});
