import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyApp, writeVersion } from './harness/app-dir.js';
import { getVia, startLoad } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

const run = promisify(execFile);
let p: Platform;
beforeAll(async () => {
  // Fewer kept releases than pushes, so that pruning shows.
  p = await startPlatform({ PAAS_KEEP_RELEASES: '5' });
});
afterAll(async () => {
  await p?.stop();
});

it('5 pushes of changed code under steady traffic: 0 failed requests, new code served after each', async () => {
  const dir = await copyApp('test/fixtures/versioned');
  await writeVersion(dir, 'v-0');
  expect((await p.paas(['create', 'steady'], { cwd: dir })).code).toBe(0);
  const first = await p.paas(['push'], { cwd: dir });
  expect(first.code, first.stdout + first.stderr).toBe(0);

  // ~100 req/s on loopback, bounded to 5 minutes and 40,000 requests.
  const load = startLoad(p.routerPort, 'steady.localhost', { concurrency: 4, intervalMs: 40, maxMs: 300_000, maxRequests: 40_000 });
  const pushes: { code: number; out: string; served: string }[] = [];
  try {
    for (let i = 1; i <= 5; i++) {
      await writeVersion(dir, `v-${i}`);
      const pushed = await p.paas(['push'], { cwd: dir });
      pushes.push({ code: pushed.code, out: pushed.stdout + pushed.stderr, served: (await getVia(p.routerPort, 'steady.localhost')).body });
      if (pushed.code !== 0) break;
    }
    // Let the load generator see the last version too.
    await new Promise((r) => setTimeout(r, 1_000));
  } finally {
    await load.stop();
  }
  // Assertions after the load stopped, so a failing push is reported as itself.
  for (const [i, push] of pushes.entries()) {
    expect(push.code, push.out).toBe(0);
    expect(push.served).toBe(`version v-${i + 1}\n`);
  }
  expect(pushes).toHaveLength(5);
  const report = load.report;
  expect(report.failures).toEqual([]);
  expect(report.ok).toBeGreaterThan(100);
  const seen = [...report.bodies.keys()].sort();
  expect(seen).toEqual(['version v-0', 'version v-1', 'version v-2', 'version v-3', 'version v-4', 'version v-5']);
  // Images of the 5 newest releases (PAAS_KEEP_RELEASES) stay for rollback; older ones are pruned
  // (after the old instances are retired, in the background of the last push).
  const images = async (): Promise<number> => {
    const { stdout } = await run('docker', ['images', '-q', '--no-trunc', '--filter', 'label=paas.app=steady', '--filter', `label=paas.test=${p.runId}`]);
    return new Set(stdout.split('\n').filter(Boolean)).size;
  };
  await expect.poll(images, { timeout: 30_000 }).toBe(5);
});
