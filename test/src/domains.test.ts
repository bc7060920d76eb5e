import { request as httpsRequest } from 'node:https';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeVersion } from './harness/app-dir.js';
import { deployVersioned } from './harness/deployed.js';
import { getVia } from './harness/http.js';
import { startPlatform, type CliResult, type Platform } from './harness/platform.js';
import { freePort } from './harness/ports.js';

// paas domain and paas https end to end: the real CLI, API, router and engine.

let p: Platform;
let tlsPort: number;
let dirA: string;
let dirB: string;

beforeAll(async () => {
  tlsPort = await freePort();
  p = await startPlatform({ PAAS_ROUTER_TLS_PORT: String(tlsPort) });
  dirA = await deployVersioned(p, 'dom-a', 'one');
  dirB = await deployVersioned(p, 'dom-b', 'two');
});
afterAll(async () => {
  await p?.stop();
});

const ok = (r: CliResult, what: string): CliResult => {
  expect(r.code, `${what}:\n${r.stdout}${r.stderr}`).toBe(0);
  return r;
};

/** A call to the API with the admin's token, past the CLI's own checks. */
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: { code?: string; message?: string } }> {
  const res = await fetch(`http://127.0.0.1:${p.apiPort}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${await p.adminToken()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as { code?: string }) };
}

/** A plain-HTTP GET through the router, with its response headers. */
function head(host: string, path = '/'): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: p.routerPort, path, headers: { host }, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A GET over HTTPS to the router's TLS port with SNI (the platform's certificate is self-signed here: not verified). */
function getTls(host: string): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: tlsPort, servername: host, path: '/', headers: { host }, rejectUnauthorized: false, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('paas domain', () => {
  it('add: the router serves the app on the domain as soon as the command returns; list shows it', async () => {
    expect((await getVia(p.routerPort, 'www.shop.test')).status).toBe(404);
    const r = ok(await p.paas(['domain', 'add', 'WWW.Shop.Test.'], { cwd: dirA }), 'domain add');
    expect(r.stdout).toContain('-----> Added www.shop.test to dom-a');
    expect(r.stdout).toContain("A     <the server's public IPv4 address>");
    expect(r.stdout).toContain(`URL: http://www.shop.test:${p.routerPort}`);
    expect(await getVia(p.routerPort, 'www.shop.test')).toEqual({ status: 200, body: 'version one\n' });
    // The app's own address still answers; another app is untouched.
    expect((await getVia(p.routerPort, 'dom-a.localhost')).body).toBe('version one\n');
    expect((await getVia(p.routerPort, 'dom-b.localhost')).body).toBe('version two\n');
    const list = ok(await p.paas(['domain', 'list', '--json'], { cwd: dirA }), 'domain list');
    expect((JSON.parse(list.stdout) as { name: string }[]).map((d) => d.name)).toEqual(['www.shop.test']);
    // Adding it again changes nothing and still succeeds.
    const again = ok(await p.paas(['domain', 'add', 'www.shop.test'], { cwd: dirA }), 'domain add again');
    expect(again.stdout).toContain('has www.shop.test already');
  });

  it('the same domain on another app → 409 DOMAIN_TAKEN (exit 5), and it keeps serving the first app', async () => {
    const r = await p.paas(['domain', 'add', 'www.shop.test'], { cwd: dirB });
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain('belongs to another app');
    const direct = await api('POST', '/apps/dom-b/domains', { name: 'www.shop.test' });
    expect([direct.status, direct.body.code]).toEqual([409, 'DOMAIN_TAKEN']);
    expect((await getVia(p.routerPort, 'www.shop.test')).body).toBe('version one\n');
  });

  it('the domain follows the app through a push and a scale', async () => {
    await writeVersion(dirA, 'uno');
    ok(await p.paas(['push'], { cwd: dirA }), 'push');
    expect((await getVia(p.routerPort, 'www.shop.test')).body).toBe('version uno\n');
    await writeVersion(dirA, 'one');
    ok(await p.paas(['push'], { cwd: dirA }), 'push back');
    expect((await getVia(p.routerPort, 'www.shop.test')).body).toBe('version one\n');
    ok(await p.paas(['scale', 'www=2'], { cwd: dirA }), 'scale');
    expect((await getVia(p.routerPort, 'www.shop.test')).body).toBe('version one\n');
    ok(await p.paas(['scale', 'www=1'], { cwd: dirA }), 'scale back');
    expect((await getVia(p.routerPort, 'www.shop.test')).body).toBe('version one\n');
  });

  it('rm: the router answers 404 for it as soon as the command returns; the app keeps its own address', async () => {
    const r = ok(await p.paas(['domain', 'rm', 'www.shop.test'], { cwd: dirA }), 'domain rm');
    expect(r.stdout).toContain('Removed www.shop.test from dom-a');
    expect((await getVia(p.routerPort, 'www.shop.test')).status).toBe(404);
    expect((await getVia(p.routerPort, 'dom-a.localhost')).body).toBe('version one\n');
    const again = await p.paas(['domain', 'rm', 'www.shop.test'], { cwd: dirA });
    expect(again.code).toBe(4);
    // Free again: the other app may take it now.
    ok(await p.paas(['domain', 'add', 'www.shop.test'], { cwd: dirB }), 'domain add on dom-b');
    expect((await getVia(p.routerPort, 'www.shop.test')).body).toBe('version two\n');
    ok(await p.paas(['domain', 'rm', 'www.shop.test'], { cwd: dirB }), 'domain rm on dom-b');
  });

  it('a wildcard serves any one label in front of it; an exact domain of another app wins over it', async () => {
    ok(await p.paas(['domain', 'add', '*.example.test'], { cwd: dirA }), 'domain add wildcard');
    expect(await getVia(p.routerPort, 'a.example.test')).toEqual({ status: 200, body: 'version one\n' });
    expect((await getVia(p.routerPort, 'other.example.test')).body).toBe('version one\n');
    expect((await getVia(p.routerPort, 'a.b.example.test')).status).toBe(404);
    expect((await getVia(p.routerPort, 'example.test')).status).toBe(404);
    ok(await p.paas(['domain', 'add', 'b.example.test'], { cwd: dirB }), 'exact domain under the wildcard');
    expect((await getVia(p.routerPort, 'b.example.test')).body).toBe('version two\n');
    expect((await getVia(p.routerPort, 'a.example.test')).body).toBe('version one\n');
    ok(await p.paas(['domain', 'rm', '*.example.test'], { cwd: dirA }), 'domain rm wildcard');
    expect((await getVia(p.routerPort, 'a.example.test')).status).toBe(404);
    expect((await getVia(p.routerPort, 'b.example.test')).body).toBe('version two\n');
  });

  it('bad names → 400 DOMAIN_INVALID from the API and exit 3 from the CLI; nothing is added', async () => {
    for (const name of ['*.', 'a..b', `${'a'.repeat(64)}.test`, `${'abcdefghi.'.repeat(25)}test`, 'a b.test', 'localhost', '*.localhost', 'x.com/y', 'x.com:8080', 'http://x.com', '10.0.0.1', 'dom-a.localhost']) {
      const direct = await api('POST', '/apps/dom-a/domains', { name });
      expect([name, direct.status, direct.body.code]).toEqual([name, 400, 'DOMAIN_INVALID']);
      const cli = await p.paas(['domain', 'add', name], { cwd: dirA });
      expect([name, cli.code]).toEqual([name, 3]);
      expect(cli.stderr).toContain('invalid domain');
    }
    const list = ok(await p.paas(['domains', '--json'], { cwd: dirA }), 'domains');
    expect(JSON.parse(list.stdout)).toEqual([]);
  });
});

describe('paas https', () => {
  it('is off by default; --redirect makes plain requests to every host of the app 308 to https:// at once; --no-redirect serves plain HTTP again', async () => {
    ok(await p.paas(['domain', 'add', 'secure.shop.test'], { cwd: dirA }), 'domain add');
    const shown = ok(await p.paas(['https', '--json'], { cwd: dirA }), 'https');
    expect(JSON.parse(shown.stdout)).toEqual({ redirect: false, hstsMaxAge: null });
    expect((await head('secure.shop.test')).status).toBe(200);

    const on = ok(await p.paas(['https', '--redirect'], { cwd: dirA }), 'https --redirect');
    expect(on.stdout).toContain('redirect HTTP → HTTPS: on (308)');
    const plain = await head('secure.shop.test', '/some/path?q=1');
    expect(plain.status).toBe(308);
    expect(plain.headers.location).toBe(`https://secure.shop.test:${tlsPort}/some/path?q=1`);
    // Every host of the app, its own address included; other apps keep plain HTTP.
    expect((await head('dom-a.localhost')).status).toBe(308);
    expect((await head('dom-b.localhost')).status).toBe(200);
    // It stays through a scale, which routes the app again.
    ok(await p.paas(['scale', 'www=2'], { cwd: dirA }), 'scale');
    expect((await head('secure.shop.test')).status).toBe(308);
    ok(await p.paas(['scale', 'www=1'], { cwd: dirA }), 'scale back');

    ok(await p.paas(['https', '--no-redirect'], { cwd: dirA }), 'https --no-redirect');
    expect(await getVia(p.routerPort, 'secure.shop.test')).toEqual({ status: 200, body: 'version one\n' });
  });

  it('--hsts=SECONDS puts Strict-Transport-Security on HTTPS answers of the app; --no-hsts takes it off', async () => {
    ok(await p.paas(['https', '--hsts=300'], { cwd: dirA }), 'https --hsts=300');
    // Over HTTPS (the platform's own certificate covers *.localhost): served, with the header.
    const secure = await getTls('dom-a.localhost');
    expect([secure.status, secure.body]).toEqual([200, 'version one\n']);
    expect(secure.headers['strict-transport-security']).toBe('max-age=300');
    // Never on plain HTTP (RFC 6797 7.2).
    expect((await head('dom-a.localhost')).headers['strict-transport-security']).toBeUndefined();
    ok(await p.paas(['https', '--no-hsts'], { cwd: dirA }), 'https --no-hsts');
    expect((await getTls('dom-a.localhost')).headers['strict-transport-security']).toBeUndefined();
  });
});

describe('paas destroy', () => {
  it('removes the app with its domains and their routes; the name is free for another app', async () => {
    ok(await p.paas(['domain', 'add', 'gone.shop.test'], { cwd: dirB }), 'domain add');
    expect((await getVia(p.routerPort, 'gone.shop.test')).body).toBe('version two\n');
    ok(await p.paas(['destroy', 'dom-b', '--yes'], { cwd: dirB }), 'destroy');
    expect((await getVia(p.routerPort, 'gone.shop.test')).status).toBe(404);
    expect((await getVia(p.routerPort, 'b.example.test')).status).toBe(404);
    ok(await p.paas(['domain', 'add', 'gone.shop.test'], { cwd: dirA }), 'domain add on dom-a');
    expect((await getVia(p.routerPort, 'gone.shop.test')).body).toBe('version one\n');
  });
});
