import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp } from './harness/app-dir.js';
import { getVia } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

// No PAAS_BUILD_CA_FILE: builds trust the host's bundle by default.
let p: Platform;
let dir: string;
beforeAll(async () => {
  p = await startPlatform();
  dir = await copyApp('examples/nodejs-hello');
  expect((await p.paas(['create', 'hello'], { cwd: dir })).code).toBe(0);
});
afterAll(async () => {
  await p?.stop();
});

const spec = (extra: string): Promise<void> => writeFile(join(dir, 'paas.yml'), `www:\n  type: nodejs\n${extra}`);

async function assertServes(): Promise<void> {
  expect(await getVia(p.routerPort, 'hello.localhost')).toEqual({ status: 200, body: 'Hello from nodejs-hello\n' });
}

describe('build output', () => {
  it('a cold build prints one line per stage with its time, nothing of apt, and no heading twice', async () => {
    const r = await p.paas(['push', '--clean'], { cwd: dir });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    const lines = out.replace(/\n$/, '').split('\n');
    expect(lines.length, out).toBeLessThanOrEqual(60);
    // The host's CA is trusted by default, which is what adds ca-certificates.
    expect(out).toMatch(/^-----> Installing system packages \(nodejs, ca-certificates\)\n {7}done in (\d+\.\ds|\d+m \d\ds)$/m);
    expect(out).toMatch(/^-----> Adding the code\n {7}done in \d+\.\ds$/m);
    expect(lines.filter((l) => l.includes('Building www')), out).toEqual(['-----> Building www (nodejs)']);
    expect(lines.filter((l) => l.includes('Deploying www')), out).toEqual(['-----> Deploying www (1 instance)']);
    expect(out).not.toMatch(/Step \d+\/\d+|Setting up|Unpacking|Get:\d/);
    expect(out).not.toContain('rehash');
    await assertServes();
  });

  it('paas logs --build prints the whole build: the engine\'s steps and apt\'s lines, without a rehash warning', async () => {
    const r = await p.paas(['logs', '-a', 'hello', '--build'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^-----> Installing system packages \(nodejs, ca-certificates\)$/m);
    expect(r.stdout).toMatch(/Step 1\/\d+ : FROM paas\/stack:bookworm/);
    expect(r.stdout).toMatch(/Setting up nodejs/);
    expect(r.stdout).toMatch(/Updating certificates in \/etc\/ssl\/certs/);
    expect(r.stdout).not.toContain('rehash');
  });

  it('--verbose shows apt\'s own lines; what the cache had says so in one line', async () => {
    await spec('  systempackages: [curl]\n');
    const r = await p.paas(['push', '--verbose'], { cwd: dir });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    expect(out).toMatch(/^ {7}(Setting up|Unpacking) curl/m);
    expect(out).toMatch(/^ {7}Step \d+\/\d+ : RUN apt-get update/m);
    // Its first apt step came from the cache, the second did not: not "(using cache)".
    expect(out).toMatch(/^-----> Installing system packages \(nodejs, ca-certificates, curl\)$/m);
    // The code did not change, but it is copied after the changed packages: built again, not cached.
    expect(out).toMatch(/^-----> Adding the code\n/m);
    await assertServes();
  });

  it('a misspelt package names its spec path and the mirror\'s nearest name; the old release keeps serving', async () => {
    await spec('  systempackages: [curl, imagemagik]\n');
    const r = await p.paas(['push'], { cwd: dir });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(6);
    expect(out).toContain('www.systempackages[1]: no Debian package "imagemagik" (did you mean imagemagick?)');
    await assertServes();
  });

  it('an app on the wrong port: the message names the container\'s $PORT, not the host\'s', async () => {
    await spec('  process: PORT=9999 exec node server.js\n  healthcheck: {path: /health, timeout: 5}\n');
    const r = await p.paas(['push'], { cwd: dir });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(7);
    // Nothing of the system packages changed: one line says the cache had them.
    expect(out).toMatch(/^-----> Installing system packages \(nodejs, ca-certificates\) \(using cache\)\n-----> Adding the code\n/m);
    expect(out).toContain('www.1 did not become healthy: no answer on its $PORT (8080) within 5 s; is it listening on 0.0.0.0:$PORT?');
    await assertServes();
  });

  it('npm installs from the registry with no CA setting: the host\'s bundle is trusted by default', async () => {
    const deps = await copyApp('examples/nodejs-hello');
    await writeFile(join(deps, 'package.json'), JSON.stringify({ name: 'deps', private: true, dependencies: { ms: '2.1.3' } }));
    await writeFile(join(deps, 'paas.yml'), 'www:\n  type: nodejs\n');
    expect((await p.paas(['create', 'deps'], { cwd: deps })).code).toBe(0);
    const r = await p.paas(['push'], { cwd: deps });
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    expect(out).toMatch(/^-----> Installing dependencies \(package\.json\)\n {7}done in /m);
    expect(out.replace(/\n$/, '').split('\n').length, out).toBeLessThanOrEqual(60);
    const log = await p.paas(['logs', '-a', 'deps', '--build'], { cwd: deps });
    expect(log.stdout).toMatch(/added 1 package/);
    expect(log.stdout).not.toContain('rehash');
  });
});

describe('PAAS_BUILD_CA_FILE=none', () => {
  let bare: Platform;
  beforeAll(async () => {
    bare = await startPlatform({ PAAS_BUILD_CA_FILE: 'none' });
  });
  afterAll(async () => {
    await bare?.stop();
  });

  it('a build that meets a certificate it does not trust says which setting fixes it', async () => {
    const deps = await copyApp('examples/nodejs-hello');
    await writeFile(join(deps, 'package.json'), JSON.stringify({ name: 'deps', private: true, dependencies: { ms: '2.1.3' } }));
    await writeFile(join(deps, 'paas.yml'), 'www:\n  type: nodejs\n');
    expect((await bare.paas(['create', 'deps'], { cwd: deps })).code).toBe(0);
    const r = await bare.paas(['push'], { cwd: deps });
    const out = r.stdout + r.stderr;
    // This host reaches the npm registry only through a TLS-inspecting proxy that its own bundle trusts.
    expect(r.code, out).toBe(6);
    expect(out).toContain('installing the dependencies from package.json failed');
    expect(out).toMatch(/a TLS certificate was not trusted/);
    expect(out).toMatch(/hint: .*set PAAS_BUILD_CA_FILE/);
  });
});
