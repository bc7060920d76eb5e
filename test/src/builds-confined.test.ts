/**
 * Confined builds and static sites (reliability 48–52), on one platform:
 * a custom Dockerfile that names another app's image, fetches a URL (the
 * API's on 127.0.0.1 included) or asks for the host's network or files is
 * refused before any step runs, naming the line; a build that tries the
 * platform's ports on every address of the host reaches none of them; two
 * apps with the same Dockerfile never share a RUN layer; a static site never
 * serves dotfiles or the spec, and its directory redirects are relative;
 * a build is held to its pids limit and leaves no setuid binary behind.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp } from './harness/app-dir.js';
import { startPlatform, type Platform } from './harness/platform.js';

const run = promisify(execFile);

let p: Platform;
let siteDir: string;
beforeAll(async () => {
  // A low pids limit for builds, so the fork test needs few processes; every other build here stays far below it.
  p = await startPlatform({ PAAS_BUILD_PIDS: '200' });
  siteDir = await copyApp('test/fixtures/confined/static');
  // Made here: git keeps no links in fixtures portably.
  await symlink('.env', join(siteDir, 'env-link'));
  expect((await p.paas(['create', 'site'], { cwd: siteDir })).code).toBe(0);
  const pushed = await p.paas(['push'], { cwd: siteDir });
  expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
});
const after: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of after) await step();
  await p?.stop();
});

async function labelled(kind: 'ps' | 'images', app: string): Promise<string[]> {
  const args = kind === 'ps' ? ['ps', '-aq'] : ['images', '-q'];
  const { stdout } = await run('docker', [...args, '--filter', `label=paas.test=${p.runId}`, '--filter', `label=paas.app=${app}`]);
  return stdout.split('\n').filter(Boolean);
}

async function instanceOf(app: string): Promise<string> {
  const [id] = await labelled('ps', app);
  if (id === undefined) throw new Error(`${app} has no instance`);
  return id;
}

function head(path: string, host: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: p.routerPort, path, method: 'GET', headers: { host }, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('a static site (reliability 51)', () => {
  it('never serves dotfiles, paas.yml or dotcloud.yml, though they are in the image', async () => {
    const id = await instanceOf('site');
    for (const file of ['.env', '.hidden/config', 'paas.yml', 'sub/dotcloud.yml', 'env-link']) {
      const { stdout } = await run('docker', ['exec', id, 'sh', '-c', `test -e /home/app/current/${file} && echo present`]);
      expect(stdout.trim(), file).toBe('present');
    }
    expect(await head('/', 'site.localhost')).toMatchObject({ status: 200 });
    expect(await head('/sub/', 'site.localhost')).toMatchObject({ status: 200 });
    // .git/ is never uploaded; the rule that hides it is the one for /.env and /.hidden/.
    for (const path of ['/.env', '/.git/config', '/.hidden/config', '/%2eenv', '/paas.yml', '/PAAS.YML', '/sub/dotcloud.yml', '/sub/../paas.yml', '//paas.yml', '/env-link']) {
      expect((await head(path, 'site.localhost')).status, path).toBe(404);
    }
  });

  it('redirects a directory without its slash to a relative Location', async () => {
    const res = await head('/sub', 'site.localhost');
    expect(res.status).toBe(301);
    expect(res.location).toBe('/sub/');
  });
});

describe('a custom Dockerfile is checked before the build (reliability 48, 49)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await copyApp('test/fixtures/confined/nonce');
    expect((await p.paas(['create', 'refused'], { cwd: dir })).code).toBe(0);
  });

  const refusals = (): [string, string, number, RegExp][] => [
    ["another app's image", 'FROM paas/stack:bookworm AS base\nRUN true\nFROM {{SITE_IMAGE}}\n', 3, /FROM may name only paas\/stack:bookworm or an earlier stage/],
    ['another local image', 'FROM debian:bookworm\n', 1, /not debian:bookworm/],
    ['a variable image', 'ARG BASE=paas/stack:bookworm\nFROM $BASE\n', 2, /the image is a variable/],
    ["COPY --from another app's image", 'FROM paas/stack:bookworm\nCOPY --from={{SITE_IMAGE}} /home/app/current /x\n', 2, /--from may name only/],
    ["the API on 127.0.0.1", 'FROM paas/stack:bookworm\nADD http://127.0.0.1:{{API_PORT}}/v1/apps /tmp/apps\n', 2, /ADD from http:\/\/127\.0\.0\.1:\d+\/v1\/apps fetches from outside the build context/],
    ['ADD of an https URL', 'FROM paas/stack:bookworm\nRUN true\nADD https://deb.debian.org/debian/README /tmp/\n', 3, /fetches from outside/],
    ['ADD of a git remote', 'FROM paas/stack:bookworm\nADD git@github.com:o/r.git /src\n', 2, /fetches from outside/],
    ['RUN --network=host', 'FROM paas/stack:bookworm\nRUN --network=host true\n', 2, /RUN --network is not allowed/],
    ['RUN --security=insecure', 'FROM paas/stack:bookworm\nRUN --security=insecure true\n', 2, /RUN --security is not allowed/],
    ['a cache mount', 'FROM paas/stack:bookworm\nRUN --mount=type=cache,target=/cache true\n', 2, /type=cache is not allowed/],
    ['a bind mount of another image', 'FROM paas/stack:bookworm\nRUN --mount=type=bind,from={{SITE_IMAGE}},target=/o true\n', 2, /from= may name only an earlier stage/],
  ];

  it('refuses each, naming the line, before any step runs, and leaves nothing behind', async () => {
    const [siteImage] = (await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `label=paas.test=${p.runId}`, '--filter', 'label=paas.app=site'])).stdout.split('\n');
    expect(siteImage).toMatch(/^paas\/site\/www:/);
    for (const [name, template, line, reason] of refusals()) {
      const text = template.replaceAll('{{SITE_IMAGE}}', siteImage ?? '').replaceAll('{{API_PORT}}', String(p.apiPort));
      await writeFile(join(dir, 'Dockerfile'), text);
      const pushed = await p.paas(['push'], { cwd: dir });
      const out = pushed.stdout + pushed.stderr;
      expect(pushed.code, `${name}\n${out}`).toBe(3);
      expect(out, name).toContain(`Dockerfile:${line}: `);
      expect(out, name).toMatch(reason);
      expect(out, name).not.toMatch(/Step \d+\/\d+/);
    }
    expect(await labelled('images', 'refused')).toEqual([]);
    expect(await labelled('ps', 'refused')).toEqual([]);
    const { stdout } = await run('docker', ['ps', '-aq', '--filter', `ancestor=${siteImage}`]);
    expect(stdout.split('\n').filter(Boolean)).toHaveLength(1); // the site's own instance, no build container
  });

  it('the error says what to do, in the catalogue\'s terms', async () => {
    await writeFile(join(dir, 'Dockerfile'), 'FROM paas/stack:bookworm\nRUN --network=host true\n');
    const pushed = await p.paas(['push', '--json'], { cwd: dir });
    expect(pushed.code).toBe(3);
    expect(pushed.stdout + pushed.stderr).toMatch(/DOCKERFILE_REFUSED/);
    expect(pushed.stdout + pushed.stderr).toMatch(/www\.dockerfile/);
  });
});

describe('a build cannot reach the host (reliability 50)', () => {
  it("tries the API, the router's control and public ports and an instance's published port on every host address and the gateway: nothing answers", async () => {
    const published = (await run('docker', ['port', await instanceOf('site'), '8080/tcp'])).stdout.trim();
    const instancePort = Number(/:(\d+)$/.exec(published.split('\n')[0] ?? '')?.[1]);
    expect(instancePort).toBeGreaterThan(0);
    const addresses = Object.values(networkInterfaces()).flat()
      .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    expect(addresses.length).toBeGreaterThan(0);
    // Something of the host's that listens on all addresses, as a router or an
    // API bound to 0.0.0.0 would: only the build network's firewall rule keeps builds off it.
    const open = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => open.listen(0, '0.0.0.0', resolve));
    after.push(() => new Promise((resolve) => open.close(() => resolve())));
    const openPort = (open.address() as AddressInfo).port;
    const ports = [p.apiPort, p.controlPort, p.routerPort, instancePort, openPort];
    const targets = ['gateway', ...addresses].flatMap((a) => ports.map((port) => `${a} ${port}`));

    const dir = await copyApp('test/fixtures/confined/probe');
    await writeFile(join(dir, 'targets.txt'), `${targets.join('\n')}\n`);

    // The same probe from a plain container on the engine's default bridge
    // reaches that listener: the probe sees what is open.
    const control = await run('docker', [
      'run', '--rm', '--label', `paas.test=${p.runId}`, '-v', `${dir}:/probe:ro`, 'paas/stack:bookworm', 'bash', '/probe/probe.sh', '/probe/targets.txt',
    ]).then((r) => ({ code: 0, out: r.stdout }), (err: { code?: number; stdout?: string }) => ({ code: err.code ?? -1, out: err.stdout ?? '' }));
    expect(control.code, control.out).toBe(1);
    expect(control.out).toMatch(new RegExp(`:${openPort}\\b`));
    const platformId = (await readFile(join(p.home, 'platform-id'), 'utf8')).trim();
    expect((await run('iptables', ['-w', '-S', 'INPUT'])).stdout).toContain(`-i pb-${platformId} `);

    expect((await p.paas(['create', 'probe'], { cwd: dir })).code).toBe(0);
    const pushed = await p.paas(['push', '--verbose'], { cwd: dir });
    const out = pushed.stdout + pushed.stderr;
    expect(pushed.code, out).toBe(0);
    expect(out).toMatch(new RegExp(`probe: gateway [0-9.]+, 0 of ${targets.length} reached`));
  });
});

describe("one app's build never gets another's layers from the cache (reliability 52)", () => {
  const nonceOf = (out: string): string | undefined => /nonce ([0-9a-f]{24})/.exec(out)?.[1];

  it('the same Dockerfile in two apps runs its RUN step twice; the same app reuses its own', async () => {
    const aDir = await copyApp('test/fixtures/confined/nonce');
    const bDir = await copyApp('test/fixtures/confined/nonce');
    expect((await p.paas(['create', 'nonce-a'], { cwd: aDir })).code).toBe(0);
    expect((await p.paas(['create', 'nonce-b'], { cwd: bDir })).code).toBe(0);

    const a = await p.paas(['push', '--verbose'], { cwd: aDir });
    expect(a.code, a.stdout + a.stderr).toBe(0);
    const aNonce = nonceOf(a.stdout + a.stderr);
    expect(aNonce).toBeDefined();

    const b = await p.paas(['push', '--verbose'], { cwd: bDir });
    expect(b.code, b.stdout + b.stderr).toBe(0);
    const bNonce = nonceOf(b.stdout + b.stderr);
    expect(bNonce, b.stdout).toBeDefined();
    expect(bNonce).not.toBe(aNonce);

    // A again, with a change after the RUN step: its own layer comes from the cache.
    await writeFile(join(aDir, 'VERSION'), '2\n');
    const again = await p.paas(['push', '--verbose'], { cwd: aDir });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout + again.stderr).toContain('Using cache');
    expect(nonceOf(again.stdout + again.stderr)).toBeUndefined();
    const { stdout } = await run('docker', ['exec', await instanceOf('nonce-a'), 'cat', '/tmp/nonce']);
    expect(stdout.trim()).toBe(`nonce ${aNonce}`);
  });
});

describe('builds are limited and unprivileged like instances', () => {
  const leftCgroups = async (): Promise<string[]> => {
    const platformId = (await readFile(join(p.home, 'platform-id'), 'utf8')).trim();
    const { stdout } = await run('sh', ['-c', `ls -d /sys/fs/cgroup/*/paas-builds/${platformId}-* /sys/fs/cgroup/paas-builds/${platformId}-* 2>/dev/null || true`]);
    return stdout.split('\n').filter(Boolean);
  };

  it('a build that starts more processes than PAAS_BUILD_PIDS fails, and its cgroup is gone after', async () => {
    const dir = await copyApp('test/fixtures/confined/forks');
    expect((await p.paas(['create', 'forks'], { cwd: dir })).code).toBe(0);
    const pushed = await p.paas(['push'], { cwd: dir });
    const out = pushed.stdout + pushed.stderr;
    expect(pushed.code, out).not.toBe(0);
    expect(out).toMatch(/RUN n=0.* failed: exit code/);
    expect(out).toMatch(/Cannot fork|Resource temporarily unavailable/);
    expect(out).not.toMatch(/forks: started 300/);
    expect(await leftCgroups()).toEqual([]);
  });

  it('a build within the limit runs under its own cgroup, removed after', async () => {
    const dir = await copyApp('test/fixtures/confined/suid');
    expect((await p.paas(['create', 'suid'], { cwd: dir })).code).toBe(0);
    const pushed = await p.paas(['push'], { cwd: dir });
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    expect(await leftCgroups()).toEqual([]);
    // sudo is there, without its setuid bit: nothing in the image leads back to root.
    const id = await instanceOf('suid');
    expect((await run('docker', ['exec', id, 'sh', '-c', 'ls -l /usr/bin/sudo'])).stdout).toMatch(/^-rwx/);
    // Searched as root with every capability (an instance has none), in a container of the same image.
    const image = (await run('docker', ['inspect', '-f', '{{.Image}}', id])).stdout.trim();
    const found = await run('docker', ['run', '--rm', '--label', `paas.test=${p.runId}`, '-u', '0', '--entrypoint', 'find', image, '/', '-xdev', '-type', 'f', '-perm', '/6000']);
    expect(found.stdout.trim()).toBe('');
  });
});

describe('the build network ends with the platform', () => {
  it('the API removes its firewall rule and the build network when it stops', async () => {
    const platformId = (await readFile(join(p.home, 'platform-id'), 'utf8')).trim();
    const rules = async (): Promise<string[]> =>
      (await run('iptables', ['-w', '-S', 'INPUT'])).stdout.split('\n').filter((l) => l.includes(` -i pb-${platformId} `));
    const network = async (): Promise<string> =>
      (await run('docker', ['network', 'ls', '-q', '--filter', `name=^paas-${platformId}-build$`])).stdout.trim();
    expect(await rules()).toHaveLength(1);
    expect(await network()).not.toBe('');
    expect((await p.paas(['server', 'stop'])).code).toBe(0);
    expect(await rules()).toEqual([]);
    expect(await network()).toBe('');
  });
});
