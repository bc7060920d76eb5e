/**
 * Reliability 34: a full disk during a push fails it with DISK_FULL and a hint,
 * leaves the serving release and the store as they were, and the next push
 * works once there is room again.
 *
 * Two places run out of space, each for real:
 * - a build step: the build writes into the build container's 64 MiB /dev/shm
 *   until the kernel answers ENOSPC (the engine's own disk is not filled: the
 *   CI machine's Docker data root is shared with everything else);
 * - the API's upload directory ($PAAS_HOME/tmp), which the test mounts as a
 *   16 MiB tmpfs. Mounting needs root: this part runs in CI (CI=true) or with
 *   PAAS_TEST_MOUNT=1, and is reported as skipped elsewhere.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp, writeVersion } from './harness/app-dir.js';
import { getVia } from './harness/http.js';
import { deployVersioned } from './harness/deployed.js';
import { startPlatform, type Platform } from './harness/platform.js';

const run = promisify(execFile);
const mountAllowed = process.env.CI === 'true' || process.env.PAAS_TEST_MOUNT === '1';

let p: Platform;
let dir: string;
beforeAll(async () => {
  p = await startPlatform();
  dir = await deployVersioned(p, 'roomy', 'roomy');
});
afterAll(async () => {
  await p?.stop();
});

interface Info {
  release: string;
  instances: { release: string; state: string }[];
  releases: { id: string; status: string }[];
}

async function info(): Promise<Info> {
  const r = await p.paas(['info', '-a', 'roomy', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Info;
}

/** info() once the previous push's old instances, retired in the background after it, are gone. */
async function settledInfo(): Promise<Info> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const now = await info();
    if (now.instances.every((i) => i.release === now.release && i.state !== 'draining') || Date.now() > deadline) return now;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The release that served before still serves, and is still the only active one. */
async function assertUnchanged(before: Info, version: string): Promise<void> {
  expect(await getVia(p.routerPort, 'roomy.localhost')).toEqual({ status: 200, body: `version ${version}\n` });
  const now = await info();
  expect(now.release).toBe(before.release);
  expect(now.instances.map((i) => [i.release, i.state])).toEqual(before.instances.map((i) => [i.release, i.state]));
  expect(now.releases).toEqual(before.releases);
}

async function pushAs(version: string, spec?: string, extra?: (d: string) => Promise<void>): Promise<{ code: number; out: string }> {
  const d = await copyApp('test/fixtures/versioned');
  await writeVersion(d, version);
  if (spec) await writeFile(join(d, 'paas.yml'), spec);
  if (extra) await extra(d);
  const r = await p.paas(['push', '-a', 'roomy'], { cwd: d });
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('a full disk during a push (reliability 34)', () => {
  it('a build step that runs out of space fails with DISK_FULL; the release serving stays; the next push works', async () => {
    const before = await settledInfo();
    const filling =
      'www:\n  type: python\n  process: exec python3 server.py\n' +
      '  prebuild: dd if=/dev/zero of=/dev/shm/fill bs=1M count=256\n' +
      '  healthcheck: {path: /health, timeout: 30}\n';
    const full = await pushAs('too-big', filling);
    expect(full.code, full.out).toBe(6);
    expect(full.out).toMatch(/no space left on the device during/i);
    expect(full.out).toMatch(/hint: .*docker system prune/);
    await assertUnchanged(before, 'roomy');

    const next = await pushAs('roomy-2');
    expect(next.code, next.out).toBe(0);
    expect(await getVia(p.routerPort, 'roomy.localhost')).toEqual({ status: 200, body: 'version roomy-2\n' });
  });

  describe.skipIf(!mountAllowed)('the upload directory fills up', () => {
    const tmp = (): string => join(p.home, 'tmp');
    beforeAll(async () => {
      await mkdir(tmp(), { recursive: true });
      await run('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'paas-e2e-tmp', tmp()]);
    });
    afterAll(async () => {
      if (p) await run('umount', [tmp()]).catch(() => undefined);
    });

    it('fails with DISK_FULL, leaves no files behind, and the next push works', async () => {
      const before = await settledInfo();
      // 40 MiB of zeros: a few dozen KiB once gzipped, far over the 16 MiB free.
      const full = await pushAs('no-room', undefined, (d) => writeFile(join(d, 'blob.bin'), Buffer.alloc(40 * 1024 * 1024)));
      expect(full.code, full.out).toBe(6);
      expect(full.out).toMatch(/no space left on the device while writing entry "blob\.bin"/);
      expect(full.out).toMatch(/hint: .*free space there, then push again/);
      expect(await readdir(tmp())).toEqual([]);
      await assertUnchanged(before, 'roomy-2');

      const next = await pushAs('roomy-3');
      expect(next.code, next.out).toBe(0);
      expect(await getVia(p.routerPort, 'roomy.localhost')).toEqual({ status: 200, body: 'version roomy-3\n' });
    });
  });
});
