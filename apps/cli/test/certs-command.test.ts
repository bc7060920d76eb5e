import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CertList } from '@paas/core';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfig, type Config } from '../src/config.js';
import { startServer, stopServer } from '../src/server-control.js';
import { captureOutput } from './helpers/capture.js';
import { readBody, sendJson, serve } from './helpers/http-server.js';
import { runCli } from './helpers/run-cli.js';
import { tempDir } from './helpers/temp.js';

interface Seen { method: string; url: string; body?: unknown }

const list: CertList = {
  app: 'blog',
  acme: true,
  certificates: [
    { host: 'bad.example.com', source: 'acme', status: 'failed', message: 'HTTP-01 validation of bad.example.com failed (connection): no route' },
    { host: 'shop.example.com', source: 'acme', status: 'pending' },
    { host: 'www.example.com', source: 'own', status: 'issued', issuer: 'R11', names: ['www.example.com'], notBefore: '2026-11-01T00:00:00.000Z', notAfter: '2027-01-30T00:00:00.000Z', fingerprint: 'ab', selfSigned: false },
  ],
  platform: { host: '*.localhost', source: 'platform', status: 'issued', issuer: 'paas self-signed localhost', notAfter: '2027-11-29T12:00:00.000Z', selfSigned: true, message: 'self-signed' },
};

async function fakeApi(): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const { url } = await serve(async (req, res) => {
    const entry: Seen = { method: req.method ?? '', url: req.url ?? '' };
    seen.push(entry);
    const text = (await readBody(req)).toString();
    if (text !== '') entry.body = JSON.parse(text);
    if (req.method === 'GET' && req.url === '/v1/apps/blog/certs') return sendJson(res, 200, list);
    if (req.method === 'POST' && req.url === '/v1/apps/blog/certs') {
      return sendJson(res, 201, { host: 'www.example.com', source: 'own', status: 'issued', issuer: 'R11', names: ['www.example.com'], notAfter: '2027-01-30T00:00:00.000Z' });
    }
    if (req.method === 'DELETE') return sendJson(res, 404, { code: 'CERT_NOT_FOUND', message: 'blog has no own certificate for nope.example.com' });
    return sendJson(res, 404, { code: 'NOT_FOUND', message: `no route ${req.url}` });
  });
  return { url, seen };
}

const env = async (api: string) => ({ PAAS_HOME: await tempDir(), PAAS_API_URL: api, PAAS_TOKEN: 'good', NO_COLOR: '1' });

describe('paas certs', () => {
  it('list prints host, source, issuer, expiry date and status, the platform certificate last, and a note when it is self-signed', async () => {
    const api = await fakeApi();
    const r = await runCli(['certs', 'list', '-a', 'blog'], { env: await env(api.url) });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout.split('\n').slice(0, 6)).toEqual([
      '=== blog certificates',
      'HOST              SOURCE    ISSUER                      EXPIRES     STATUS',
      'bad.example.com   acme      -                           -           failed: HTTP-01 validation of bad.example.com failed (connection): no route',
      'shop.example.com  acme      -                           -           pending',
      'www.example.com   own       R11                         2027-01-30  issued',
      '*.localhost       platform  paas self-signed localhost  2027-11-29  issued (self-signed)',
    ]);
    expect(r.stdout).toContain('Note: *.localhost is served with a self-signed certificate');
    // `paas certs` alone is the list.
    expect((await runCli(['certs', '-a', 'blog'], { env: await env(api.url) })).stdout).toContain('=== blog certificates');
  });

  it('list --json prints the API answer', async () => {
    const api = await fakeApi();
    const r = await runCli(['certs', 'list', '--json', '-a', 'blog'], { env: await env(api.url) });
    expect(JSON.parse(r.stdout)).toEqual(list);
  });

  it('add sends the host and both PEM files, and says what is served', async () => {
    const api = await fakeApi();
    const dir = await tempDir();
    await writeFile(join(dir, 'fullchain.pem'), 'CERT PEM');
    await writeFile(join(dir, 'privkey.pem'), 'KEY PEM');
    const r = await runCli(['certs', 'add', 'www.example.com', '--cert', 'fullchain.pem', '--key', 'privkey.pem', '-a', 'blog'], { env: await env(api.url), cwd: dir });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(api.seen.map((s) => [s.method, s.url, s.body])).toEqual([['POST', '/v1/apps/blog/certs', { host: 'www.example.com', cert: 'CERT PEM', key: 'KEY PEM' }]]);
    expect(r.stdout).toBe('-----> Serving www.example.com with your certificate\n       issuer R11, expires 2027-01-30\n       names www.example.com\n');
  });

  it('add refuses a file it cannot read before calling the API, and needs both files', async () => {
    const api = await fakeApi();
    const missing = await runCli(['certs', 'add', 'www.example.com', '--cert', '/nonexistent/cert.pem', '--key', '/nonexistent/key.pem', '-a', 'blog'], { env: await env(api.url) });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('cannot read the certificate file /nonexistent/cert.pem (ENOENT)');
    const usage = await runCli(['certs', 'add', 'www.example.com', '--cert', 'x.pem', '-a', 'blog'], { env: await env(api.url) });
    expect(usage.code).toBe(2);
    expect(api.seen).toEqual([]);
  });

  it('rm of a host without an own certificate exits 4 with the API\'s message', async () => {
    const api = await fakeApi();
    const r = await runCli(['certs', 'rm', 'nope.example.com', '-a', 'blog'], { env: await env(api.url) });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('blog has no own certificate for nope.example.com');
    expect(api.seen.map((s) => [s.method, s.url])).toEqual([['DELETE', '/v1/apps/blog/certs/nope.example.com']]);
  });
});

describe('paas server start', () => {
  const fakes = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-servers');
  const started: Config[] = [];
  afterEach(async () => {
    for (const config of started.splice(0)) await stopServer(config, captureOutput().out, 500);
  });
  const freePort = async (): Promise<number> => {
    const srv = createServer();
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    const { port } = srv.address() as { port: number };
    await new Promise<void>((resolve) => srv.close(() => resolve()));
    return port;
  };

  it('says HTTPS uses a self-signed certificate unless the operator gives one', async () => {
    const base = { PAAS_API_PORT: String(await freePort()), PAAS_ROUTER_PORT: String(await freePort()), PAAS_ROUTER_CONTROL_PORT: String(await freePort()), PAAS_ROUTER_TLS_PORT: '9443' };
    const config = readConfig({ ...base, PAAS_HOME: await tempDir('paas-home-') });
    started.push(config);
    const { out, stdout } = captureOutput();
    await startServer(config, out, { api: join(fakes, 'api-server.mjs'), router: join(fakes, 'router-server.mjs') });
    expect(stdout.text).toContain('HTTPS on :9443 with a self-signed certificate for *.localhost: browsers and curl warn');
    await stopServer(config, captureOutput().out, 500);
    const own = readConfig({ ...base, PAAS_HOME: await tempDir('paas-home-'), PAAS_TLS_CERT_FILE: '/etc/paas/cert.pem', PAAS_TLS_KEY_FILE: '/etc/paas/key.pem' });
    started.push(own);
    const second = captureOutput();
    await startServer(own, second.out, { api: join(fakes, 'api-server.mjs'), router: join(fakes, 'router-server.mjs') });
    expect(second.stdout.text).toContain('paas is up');
    expect(second.stdout.text).not.toContain('self-signed');
  });
});
