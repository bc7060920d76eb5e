import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppDetail } from '@paas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyApp, writeVersion } from './harness/app-dir.js';
import { getVia, startLoad } from './harness/http.js';
import { deployVersioned } from './harness/deployed.js';
import { cliBin, repoRoot, startPlatform, type Platform } from './harness/platform.js';

let p: Platform;
let dir: string;
beforeAll(async () => {
  p = await startPlatform();
  dir = await deployVersioned(p, 'sturdy', 'v-0');
});
afterAll(async () => {
  await p?.stop();
});

async function pidOf(name: 'api' | 'router'): Promise<number> {
  return Number((await readFile(join(p.home, 'run', `${name}.pid`), 'utf8')).trim());
}

/** Starts a push and SIGKILLs the API as soon as the push output matches `when`. */
async function pushAndKillApi(when: RegExp): Promise<{ code: number; out: string; killed: boolean }> {
  const apiPid = await pidOf('api');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliBin, 'push'], { cwd: dir, env: p.env });
    let out = '';
    let killed = false;
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (!killed && when.test(out)) {
        killed = true;
        process.kill(apiPid, 'SIGKILL');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => resolve({ code: code ?? -1, out, killed }));
  });
}

async function detail(): Promise<AppDetail> {
  const r = await p.paas(['info', '-a', 'sturdy', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as AppDetail;
}

describe('kill the API mid-push: nothing stuck, one active release, the router served throughout', () => {
  const moments: [string, RegExp][] = [
    ['during the build', /Building www/],
    ['during the switch', /www\.1: healthy/],
    ['during retirement of old instances', /Live at/],
  ];
  for (const [name, when] of moments) {
    it(name, async () => {
      const version = `v-${name.split(' ').pop()}`;
      await writeVersion(dir, version);
      const load = startLoad(p.routerPort, 'sturdy.localhost', { concurrency: 2, intervalMs: 50, maxMs: 120_000, maxRequests: 10_000 });
      let report;
      try {
        const pushed = await pushAndKillApi(when);
        expect(pushed.killed, pushed.out).toBe(true);
        if (!/Live at/.test(when.source)) expect(pushed.code, pushed.out).toBe(9);
        const restarted = await p.paas(['server', 'start']);
        expect(restarted.code, restarted.stdout + restarted.stderr).toBe(0);
      } finally {
        report = await load.stop();
      }
      expect(report.failures).toEqual([]);
      const d = await detail();
      expect(d.builds.filter((b) => b.status === 'running')).toEqual([]);
      expect(d.releases.filter((r) => r.status === 'pending')).toEqual([]);
      expect(d.releases.filter((r) => r.status === 'active')).toHaveLength(1);
      // What runs is the active release, at its scale, and that is what answers.
      expect(d.instances.map((i) => i.release)).toEqual([d.release]);
      const served = (await getVia(p.routerPort, 'sturdy.localhost')).body;
      expect(served).toMatch(/^version v-/);
    });
  }
});

describe('instances that crash', () => {
  it('are restarted by the engine, and the router learns their new port', async () => {
    const before = await detail();
    const address = before.instances[0]?.address;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const [host, port] = address!.split(':');
    await getVia(Number(port), host!, '/crash').catch(() => undefined);
    const deadline = Date.now() + 30_000;
    let served: { status: number; body: string } | undefined;
    while (Date.now() < deadline) {
      served = await getVia(p.routerPort, 'sturdy.localhost').catch(() => undefined);
      if (served?.status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(served?.body).toMatch(/^version v-/);
    const after = await detail();
    expect(after.instances.map((i) => [i.release, i.state])).toEqual([[before.release, 'healthy']]);
  });
});

describe('the router survives restarts', () => {
  it('serves its last table immediately on start, with no API running', async () => {
    process.kill(await pidOf('api'), 'SIGKILL');
    process.kill(await pidOf('router'), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    // Start the router alone: the API is dead, so the table can only come from the router's own state file.
    const token = (await readFile(join(p.home, 'router.token'), 'utf8')).trim();
    const router = spawn(process.execPath, [join(repoRoot, 'apps/router/dist/server.js')], {
      env: { ...p.env, PAAS_ROUTER_TOKEN: token },
      stdio: 'ignore',
    });
    try {
      const deadline = Date.now() + 10_000;
      let r: { status: number; body: string } | undefined;
      while (Date.now() < deadline) {
        r = await getVia(p.routerPort, 'sturdy.localhost').catch(() => undefined);
        if (r) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      expect(r?.status).toBe(200);
      expect(r?.body).toMatch(/^version v-/);
    } finally {
      router.kill('SIGTERM');
      await new Promise((res) => router.once('exit', res));
    }
    const started = await p.paas(['server', 'start']);
    expect(started.code, started.stderr).toBe(0);
    expect((await getVia(p.routerPort, 'sturdy.localhost')).status).toBe(200);
  });
});
