/**
 * Reliability 32: a failing build of app A, one that burns CPU and then goes
 * over the build memory limit, never restarts or re-networks app B, and B
 * serves every request meanwhile. (How much A's build slows B is a matter of
 * CPU shares and is not timed here: performance lives in bench/.)
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp, writeVersion } from './harness/app-dir.js';
import { getVia, startLoad } from './harness/http.js';
import { deployVersioned } from './harness/deployed.js';
import { startPlatform, type Platform } from './harness/platform.js';

const run = promisify(execFile);

let p: Platform;
let bDir: string;
beforeAll(async () => {
  p = await startPlatform({ PAAS_BUILD_MEMORY_MB: '256' });
  bDir = await deployVersioned(p, 'bystander', 'bystander');
});
afterAll(async () => {
  await p?.stop();
});

interface ContainerState {
  id: string;
  startedAt: string;
  restartCount: number;
  networks: Record<string, string>;
}

async function containersOf(app: string): Promise<ContainerState[]> {
  const { stdout } = await run('docker', ['ps', '-aq', '--filter', `label=paas.test=${p.runId}`, '--filter', `label=paas.app=${app}`]);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  const { stdout: json } = await run('docker', ['inspect', ...ids]);
  return (JSON.parse(json) as { Id: string; State: { StartedAt: string }; RestartCount: number; NetworkSettings: { Networks: Record<string, { NetworkID: string }> } }[]).map((c) => ({
    id: c.Id,
    startedAt: c.State.StartedAt,
    restartCount: c.RestartCount,
    networks: Object.fromEntries(Object.entries(c.NetworkSettings.Networks).map(([name, n]) => [name, n.NetworkID])),
  }));
}

describe('a failing build of one app leaves another alone (reliability 32)', () => {
  it('app B keeps serving every request, is not restarted and keeps its network while app A\'s build burns CPU and is killed at its memory limit', async () => {
    const before = await containersOf('bystander');
    expect(before).toHaveLength(1);

    const aDir = await copyApp('test/fixtures/versioned');
    await writeVersion(aDir, 'hog');
    await writeFile(
      join(aDir, 'paas.yml'),
      'www:\n  type: python\n  process: exec python3 server.py\n' +
        // Four busy loops for 3 s on a 2-core machine, then 600 MiB in a 256 MiB build.
        "  prebuild: for i in 1 2 3 4; do timeout 3 sh -c 'while :; do :; done' & done; wait; python3 -c 'b = bytes(1) * (600 << 20)'\n",
    );
    expect((await p.paas(['create', 'hog'], { cwd: aDir })).code).toBe(0);

    const load = startLoad(p.routerPort, 'bystander.localhost', { concurrency: 2, intervalMs: 20, maxMs: 180_000 });
    let hog: Awaited<ReturnType<Platform['paas']>>;
    try {
      hog = await p.paas(['push'], { cwd: aDir });
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await load.stop();
    }
    const report = load.report;
    expect(hog.code, hog.stdout + hog.stderr).toBe(6);
    expect(hog.stdout + hog.stderr).toMatch(/was killed \(exit code 137\), most likely for going over the build's memory limit/);

    expect(report.failures, JSON.stringify(report.failures.slice(0, 5))).toEqual([]);
    expect(report.ok).toBeGreaterThan(50);
    expect([...report.bodies.keys()]).toEqual(['version bystander']);

    const after = await containersOf('bystander');
    expect(after).toEqual(before);
    expect(after[0]!.restartCount).toBe(0);
    // A's failed push started nothing.
    expect(await containersOf('hog')).toEqual([]);
    expect(await getVia(p.routerPort, 'bystander.localhost')).toEqual({ status: 200, body: 'version bystander\n' });
  });
});
