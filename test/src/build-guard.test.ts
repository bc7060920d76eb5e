/**
 * infra/build-guard.sh, what paas-build-guard.service runs as root for an API
 * without root: its one rule keeps containers on any build bridge (pb-*) off
 * the host, it sets the shared pids limit of builds, and `stop` takes the
 * rule away again. Run for real against this machine's firewall and engine;
 * the cgroup tree is a folder of the test's own.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDocker, removeLabelled } from './harness/docker.js';
import { repoRoot } from './harness/paths.js';

const run = promisify(execFile);
const runId = `e2e-${randomBytes(4).toString('hex')}`;
const bridge = `pb-${randomBytes(4).toString('hex')}`;
const network = `paas-test-${runId}`;
let dir: string;
let listener: Server;

const guard = (cmd: 'start' | 'stop'): Promise<{ stdout: string; stderr: string }> =>
  run('bash', [join(repoRoot, 'infra', 'build-guard.sh'), cmd], {
    env: { ...process.env, PAAS_BUILD_PIDS: '777', PAAS_CGROUP_ROOT: join(dir, 'cgroup'), RUNTIME_DIRECTORY: join(dir, 'run') },
  });

const guardRules = async (): Promise<string[]> =>
  (await run('iptables', ['-w', '-S', 'INPUT'])).stdout.split('\n').filter((l) => l.includes('-i pb-+ '));

/** Whether a container on the pb- bridge reaches the host's listener on 0.0.0.0 through its gateway. */
async function reachesHost(): Promise<boolean> {
  const port = (listener.address() as AddressInfo).port;
  await writeFile(join(dir, 'targets.txt'), `gateway ${port}\n`);
  const r = await run('docker', [
    'run', '--rm', '--label', `paas.test=${runId}`, '--network', network,
    '-v', `${join(repoRoot, 'test/fixtures/confined/probe/probe.sh')}:/probe.sh:ro`, '-v', `${join(dir, 'targets.txt')}:/targets.txt:ro`,
    'paas/stack:bookworm', 'bash', '/probe.sh', '/targets.txt',
  ]).then(() => 0, (err: { code?: number }) => err.code ?? -1);
  expect([0, 1]).toContain(r);
  return r === 1;
}

beforeAll(async () => {
  await assertDocker();
  dir = await mkdtemp(join(tmpdir(), 'paas-guard-'));
  await run('mkdir', ['-p', join(dir, 'cgroup', 'pids')]);
  listener = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
  await run('docker', ['network', 'create', '--label', `paas.test=${runId}`, '-o', `com.docker.network.bridge.name=${bridge}`, network]);
});

afterAll(async () => {
  if (dir !== undefined) await guard('stop').catch(() => undefined);
  await removeLabelled(runId);
  await run('docker', ['network', 'rm', network]).catch(() => undefined);
  await new Promise((resolve) => listener?.close(resolve));
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('infra/build-guard.sh', () => {
  it('start: one rule for every build bridge, a marker for the API, the shared pids limit; a second start adds nothing', async () => {
    // Before: no guard rule, and the bridge reaches the host's listener.
    expect(await guardRules()).toEqual([]);
    expect(await reachesHost()).toBe(true);

    const started = await guard('start');
    expect(started.stderr).toBe('');
    await guard('start');
    expect(await guardRules()).toHaveLength(1);
    expect(existsSync(join(dir, 'run', 'firewall'))).toBe(true);
    expect((await readFile(join(dir, 'cgroup', 'pids', 'paas-builds', 'pids.max'), 'utf8')).trim()).toBe('777');
    expect(await reachesHost()).toBe(false);
  });

  it('stop: the rule and the marker go, and the bridge reaches the host again', async () => {
    await guard('stop');
    expect(await guardRules()).toEqual([]);
    expect(existsSync(join(dir, 'run', 'firewall'))).toBe(false);
    expect(await reachesHost()).toBe(true);
  });
});
