import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployVersioned } from './harness/deployed.js';
import { getVia, startLoad } from './harness/http.js';
import { startPlatform, type Platform } from './harness/platform.js';

const run = promisify(execFile);
let p: Platform;
let dir: string;
const HOST = 'ops.localhost';

beforeAll(async () => {
  p = await startPlatform();
  dir = await deployVersioned(p, 'ops', 'one');
});
afterAll(async () => {
  await p?.stop();
});

interface Ps { name: string; release: string; state: string; restarts: number; uptime: number | null; cpuPercent?: number; memoryBytes?: number }
const ps = async (): Promise<Ps[]> => {
  const r = await p.paas(['ps', '--json'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Ps[];
};

/** Which instances ("www.2 <container>") answer /whoami through the router over n requests. */
async function whoAnswers(n: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add((await getVia(p.routerPort, HOST, '/whoami')).body.trim());
  return seen;
}
const names = (answers: Set<string>): string[] => [...new Set([...answers].map((a) => a.split(' ')[0] ?? ''))].sort();

describe('paas scale', () => {
  it('1 → 3 → 1 under steady load: 0 failed requests, and all 3 instances serve while at 3', async () => {
    const load = startLoad(p.routerPort, HOST, { concurrency: 4, intervalMs: 20, maxMs: 180_000, maxRequests: 30_000 });
    let up, down;
    let seen: Set<string> | undefined;
    try {
      up = await p.paas(['scale', 'www=3'], { cwd: dir });
      seen = await whoAnswers(30);
      down = await p.paas(['scale', 'www=1'], { cwd: dir });
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await load.stop();
    }
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(up.stdout).toContain('Scale of v1: www=3');
    expect(names(seen!)).toEqual(['www.1', 'www.2', 'www.3']);
    expect(down.code, down.stdout + down.stderr).toBe(0);
    expect(load.report.failures).toEqual([]);
    expect(load.report.ok).toBeGreaterThan(50);
    expect((await ps()).map((i) => `${i.name} ${i.state}`)).toEqual(['www.1 healthy']);
  });

  it('refuses every bad form with exit 3 and a clear message, before anything changes', async () => {
    for (const arg of ['www=-1', 'www=1.5', 'www=1e3', 'www=0x10', 'www=', '=3', 'www=65']) {
      const r = await p.paas(['scale', arg], { cwd: dir });
      expect(r.code, `${arg}: ${r.stderr}`).toBe(3);
      expect(r.stderr).toContain(arg);
    }
    const unknown = await p.paas(['scale', 'nope=2'], { cwd: dir });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('ops has no service named nope');
    expect((await ps()).map((i) => i.name)).toEqual(['www.1']);
  });

  it('www=0 stops the service (the router answers 503), and www=1 brings it back', async () => {
    expect((await p.paas(['scale', 'www=0'], { cwd: dir })).code).toBe(0);
    expect(await ps()).toEqual([]);
    expect((await getVia(p.routerPort, HOST)).status).toBe(503);
    expect((await p.paas(['scale', 'www=1'], { cwd: dir })).code).toBe(0);
    expect((await getVia(p.routerPort, HOST)).body).toBe('version one\n');
  });

  it('a scale while a push holds the lock gets 409 DEPLOY_LOCKED (exit 5)', async () => {
    const pushing = p.paas(['push', '--clean'], { cwd: dir });
    // The push holds the lock from its upload to its switch; a clean build takes seconds.
    await new Promise((r) => setTimeout(r, 1_500));
    const scaled = await p.paas(['scale', 'www=2'], { cwd: dir });
    const pushed = await pushing;
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    expect(scaled.code, scaled.stdout + scaled.stderr).toBe(5);
    expect(scaled.stderr).toContain('is in progress');
  });
});

describe('paas ps and paas restart', () => {
  it('ps shows state, release, restarts, uptime, CPU and memory', async () => {
    // The previous push retires its old instance in the background: wait until only the new one is listed.
    for (let tries = 0; tries < 300 && (await ps()).some((i) => i.state === 'draining'); tries++) await new Promise((r) => setTimeout(r, 100));
    const [www] = await ps();
    expect(www).toMatchObject({ name: 'www.1', state: 'healthy', restarts: 0 });
    expect(www?.uptime).toBeGreaterThanOrEqual(0);
    expect(www?.memoryBytes).toBeGreaterThan(0);
    expect(typeof www?.cpuPercent).toBe('number');
    const text = await p.paas(['ps'], { cwd: dir });
    expect(text.stdout).toMatch(/^INSTANCE +RELEASE +STATE +RESTARTS +UPTIME +CPU +MEMORY$/m);
    expect(text.stdout).toMatch(/^www\.1 +v\d+ +healthy +0 +\d+[smhd] +\d+\.\d% +[\d.]+ (B|KB|MB)$/m);
  });

  it('restart under load: 0 failed requests, every instance replaced', async () => {
    expect((await p.paas(['scale', 'www=2'], { cwd: dir })).code).toBe(0);
    const before = await whoAnswers(20);
    const load = startLoad(p.routerPort, HOST, { concurrency: 4, intervalMs: 20, maxMs: 120_000, maxRequests: 20_000 });
    let restarted;
    try {
      restarted = await p.paas(['restart', 'www'], { cwd: dir });
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await load.stop();
    }
    expect(restarted.code, restarted.stdout + restarted.stderr).toBe(0);
    expect(load.report.failures).toEqual([]);
    const after = await whoAnswers(20);
    // Same instance names, new containers.
    expect(names(before)).toEqual(['www.1', 'www.2']);
    expect(names(after)).toEqual(['www.1', 'www.2']);
    for (const a of after) expect(before.has(a)).toBe(false);
    const bad = await p.paas(['restart', 'www.7'], { cwd: dir });
    expect(bad.code).toBe(4);
  });

  it('info shows instance states, releases and builds in its text output', async () => {
    const info = await p.paas(['info'], { cwd: dir });
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^www\.1 +v\d+ +healthy/m);
    expect(info.stdout).toContain('=== Releases');
    expect(info.stdout).toContain('=== Builds');
  });
});

describe('isolation (reliability 37, 42)', () => {
  it('docker inspect of an instance shows the hardening', async () => {
    const { stdout } = await run('docker', ['ps', '-q', '--filter', `label=paas.test=${p.runId}`, '--filter', 'label=paas.app=ops']);
    const id = stdout.split('\n').filter(Boolean)[0] as string;
    const info = JSON.parse((await run('docker', ['inspect', id])).stdout)[0];
    expect(info.Config.User).toBe('app');
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(info.HostConfig.PidsLimit).toBeGreaterThan(0);
    expect(info.HostConfig.NanoCpus).toBeGreaterThan(0);
    expect(info.HostConfig.Memory).toBeGreaterThan(0);
    expect(info.HostConfig.MemorySwap).toBe(info.HostConfig.Memory);
    expect(info.HostConfig.LogConfig.Config['max-size']).toBeDefined();
    expect(info.Config.Labels['paas.platform']).toMatch(/^[a-z0-9]{6}$/);
    // Inside: not root, no capability, and no setuid binary to gain one.
    const inside = await run('docker', ['exec', id, 'sh', '-c', 'id -u; grep CapEff /proc/self/status; find / -xdev -type f -perm /6000 2>/dev/null | wc -l']);
    expect(inside.stdout).toBe('1000\nCapEff:\t0000000000000000\n0\n');
  });
});
