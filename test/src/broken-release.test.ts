import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp, writeVersion } from './harness/app-dir.js';
import { getVia } from './harness/http.js';
import { deployVersioned } from './harness/deployed.js';
import { startPlatform, type Platform } from './harness/platform.js';

let p: Platform;
let dir: string;
beforeAll(async () => {
  p = await startPlatform();
  dir = await deployVersioned(p, 'fragile', 'good');
});
afterAll(async () => {
  await p?.stop();
});

async function pushBroken(marker: string, spec?: string): Promise<{ code: number; out: string; ms: number }> {
  const broken = await copyApp('test/fixtures/versioned');
  await writeVersion(broken, 'broken');
  await writeFile(join(broken, marker), '');
  if (spec) await writeFile(join(broken, 'paas.yml'), spec);
  const started = Date.now();
  const r = await p.paas(['push', '-a', 'fragile'], { cwd: broken });
  return { code: r.code, out: r.stdout + r.stderr, ms: Date.now() - started };
}

async function assertOldServes(): Promise<void> {
  const r = await getVia(p.routerPort, 'fragile.localhost');
  expect(r).toEqual({ status: 200, body: 'version good\n' });
  const info = JSON.parse((await p.paas(['info', '-a', 'fragile', '--json'])).stdout) as { release: string; instances: { release: string }[] };
  expect(info.release).toBe('v1');
  expect(info.instances.map((i) => i.release)).toEqual(['v1']);
}

const fastHealth = 'www:\n  type: python\n  process: exec python3 server.py\n  healthcheck: {path: /health, timeout: 8}\n';

describe('a release that never becomes healthy changes nothing that serves', () => {
  it('crashes on boot: fails fast with the instance log lines', async () => {
    const r = await pushBroken('CRASH_ON_BOOT', fastHealth);
    expect(r.code).toBe(7);
    expect(r.out).toContain('did not become healthy');
    expect(r.out).toContain('crashing on boot on purpose');
    expect(r.ms).toBeLessThan(60_000);
    await assertOldServes();
  });

  it('listens on the wrong port: fails at the health deadline', async () => {
    const r = await pushBroken('WRONG_PORT', fastHealth);
    expect(r.code).toBe(7);
    expect(r.out).toMatch(/did not become healthy/);
    expect(r.out).toContain('listening on');
    await assertOldServes();
  });

  it('health path answers 500', async () => {
    const r = await pushBroken('BROKEN_HEALTH', fastHealth);
    expect(r.code).toBe(7);
    expect(r.out).toMatch(/500/);
    await assertOldServes();
  });

  it('postinstall exits non-zero: the release is not activated', async () => {
    const r = await pushBroken('NOTHING', `${fastHealth}  postinstall: echo migrating; exit 4\n`);
    expect(r.code).toBe(7);
    expect(r.out).toContain('postinstall exited with code 4');
    expect(r.out).toContain('migrating');
    await assertOldServes();
  });

  it('a missing Debian package fails the build naming its spec path', async () => {
    const r = await pushBroken('NOTHING', `${fastHealth}  systempackages: [paas-no-such-package]\n`);
    expect(r.code).toBe(6);
    expect(r.out).toContain('www.systempackages[0]: no Debian package "paas-no-such-package"');
    await assertOldServes();
  });
});
