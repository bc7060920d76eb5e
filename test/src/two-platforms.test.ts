import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deployVersioned } from './harness/deployed.js';
import { getVia } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

const run = promisify(execFile);
let a: Platform;
let b: Platform;
let dirA: string;
let dirB: string;

beforeAll(async () => {
  a = await startPlatform();
  // B's PAAS_HOME exists already, readable by everyone: the platform closes it (reliability 40).
  const homeB = await mkdtemp(join(tmpdir(), 'paas-e2e-open-'));
  await chmod(homeB, 0o755);
  b = await startPlatform({ PAAS_HOME: homeB });
  dirA = await deployVersioned(a, 'twin', 'from-a');
  dirB = await deployVersioned(b, 'twin', 'from-b');
});
afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

const platformId = async (p: Platform): Promise<string> => (await run('cat', [join(p.home, 'platform-id')])).stdout.trim();

async function objects(p: Platform, kind: 'ps' | 'network' | 'images'): Promise<string[]> {
  const args = kind === 'ps' ? ['ps', '-aq'] : kind === 'network' ? ['network', 'ls', '-q'] : ['images', '-q'];
  // The apps' networks: the platform's build network is not an app's.
  const apps = kind === 'network' ? ['--filter', 'label=paas.app'] : [];
  const { stdout } = await run('docker', [...args, '--filter', `label=paas.platform=${await platformId(p)}`, ...apps]);
  return stdout.split('\n').filter(Boolean).sort();
}

it('two platforms on one engine, each with an app of the same name, never touch each other (reliability 36)', async () => {
  expect(await platformId(a)).not.toBe(await platformId(b));
  expect((await getVia(a.routerPort, 'twin.localhost')).body).toBe('version from-a\n');
  expect((await getVia(b.routerPort, 'twin.localhost')).body).toBe('version from-b\n');
  const bContainers = await objects(b, 'ps');
  const bNetworks = await objects(b, 'network');
  const bImages = await objects(b, 'images');
  expect(bContainers).toHaveLength(1);
  expect(bNetworks).toHaveLength(1);

  // Scale and push on A: B's containers stay as they were.
  expect((await a.paas(['scale', 'www=2'], { cwd: dirA })).code).toBe(0);
  expect((await a.paas(['push'], { cwd: dirA })).code).toBe(0);
  // The old release's instances are retired in the background after the push.
  await expect.poll(() => objects(a, 'ps'), { timeout: 30_000 }).toHaveLength(2);
  expect(await objects(b, 'ps')).toEqual(bContainers);

  // A's ps lists A's instances only.
  const psA = JSON.parse((await a.paas(['ps', '--json'], { cwd: dirA })).stdout) as { name: string }[];
  expect(psA.map((i) => i.name).sort()).toEqual(['www.1', 'www.2']);

  // Destroy on A removes all of A's and nothing of B's.
  const destroyed = await a.paas(['destroy', 'twin', '--yes'], { cwd: dirA });
  expect(destroyed.code, destroyed.stderr).toBe(0);
  expect(await objects(a, 'ps')).toEqual([]);
  expect(await objects(a, 'network')).toEqual([]);
  expect(await objects(a, 'images')).toEqual([]);
  expect(await objects(b, 'ps')).toEqual(bContainers);
  expect(await objects(b, 'network')).toEqual(bNetworks);
  expect(await objects(b, 'images')).toEqual(bImages);
  expect((await getVia(b.routerPort, 'twin.localhost')).body).toBe('version from-b\n');
  expect((await b.paas(['info'], { cwd: dirB })).code).toBe(0);
});

it('PAAS_HOME is 0700 and nothing in it is readable by other users (reliability 40)', async () => {
  for (const p of [a, b]) {
    expect((await stat(p.home)).mode & 0o777).toBe(0o700);
    // PGlite writes its files 0644 whatever the umask; its directory is closed too.
    expect((await stat(join(p.home, 'db'))).mode & 0o777).toBe(0o700);
    // Everything else the platform writes is its user's alone.
    const open: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (path === join(p.home, 'db')) continue;
        if (((await stat(path)).mode & 0o077) !== 0) open.push(path);
        if (entry.isDirectory()) await walk(path);
      }
    };
    await walk(p.home);
    expect(open).toEqual([]);
  }
});
