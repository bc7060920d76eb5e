/**
 * Cost as the platform grows: with 1 app deployed, then with N (default
 * 200) small apps, in one run: push-to-live of a code-only change, the
 * router's added p99 at a fixed rate (against the same requests sent
 * straight to the instance), the API's CPU at idle, and its resident memory.
 *
 *   npx tsx bench/growth.ts [apps=200] [idle seconds=30]
 *
 * Everything runs on 127.0.0.1 and is removed at the end.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { copyApp, writeVersion } from '../test/src/harness/app-dir.js';
import { getVia } from '../test/src/harness/http.js';
import { startPlatform, type Platform } from '../test/src/harness/platform.js';
import { runFixedRate } from './lib/router-fixed-rate.js';

const run = promisify(execFile);
const apps = Number(process.argv[2] ?? 200);
const idleSeconds = Number(process.argv[3] ?? 30);
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

interface Figures { pushToLive: number; routerP99: number; directP99: number; apiCpuPercent: number; apiRssMb: number }

async function apiPid(p: Platform): Promise<number> {
  return Number((await readFile(join(p.home, 'run', 'api.pid'), 'utf8')).trim());
}

/** CPU time (user + system, seconds) of a process, from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function pushToLive(p: Platform, dir: string, version: string): Promise<number> {
  await writeVersion(dir, version);
  const t0 = performance.now();
  const pushed = p.paas(['push', '-a', 'app0'], { cwd: dir });
  for (;;) {
    const r = await getVia(p.routerPort, 'app0.localhost').catch(() => undefined);
    if (r?.body === `version ${version}\n`) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  const live = performance.now() - t0;
  const done = await pushed;
  if (done.code !== 0) throw new Error(`push failed: ${done.stderr}`);
  return live;
}

async function measure(p: Platform, dir: string, label: string): Promise<Figures> {
  const lives: number[] = [];
  for (let i = 0; i < 3; i++) lives.push(await pushToLive(p, dir, `${label}-${i}`));
  lives.sort((a, b) => a - b);
  // Let the old instances retire, then measure at idle.
  await new Promise((r) => setTimeout(r, 5_000));
  const pid = await apiPid(p);
  const before = await cpuSeconds(pid);
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const apiCpuPercent = ((await cpuSeconds(pid)) - before) / idleSeconds * 100;
  const { stdout } = await run('docker', ['ps', '-q', '--filter', `label=paas.test=${p.runId}`, '--filter', 'label=paas.app=app0']);
  const id = stdout.split('\n').filter(Boolean)[0] as string;
  const port = Number((await run('docker', ['port', id, '8080/tcp'])).stdout.trim().split('\n')[0]!.split(':').pop());
  const direct = await runFixedRate(port, 'app0.localhost', 500, 10);
  const routed = await runFixedRate(p.routerPort, 'app0.localhost', 500, 10);
  return { pushToLive: lives[1]!, routerP99: routed.p99Ms, directP99: direct.p99Ms, apiCpuPercent, apiRssMb: await rssMb(pid) };
}

async function main(): Promise<void> {
  const p = await startPlatform();
  try {
    const dir = await copyApp('test/fixtures/versioned');
    await writeVersion(dir, 'base');
    for (const cmd of [['create', 'app0'], ['push', '-a', 'app0']]) {
      const r = await p.paas(cmd, { cwd: dir });
      if (r.code !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr}`);
    }
    const one = await measure(p, dir, 'one');
    console.log(`1 app: ${JSON.stringify(one)}`);
    const other = await copyApp('test/fixtures/versioned');
    await writeVersion(other, 'other');
    const t0 = performance.now();
    for (let i = 1; i < apps; i++) {
      for (const cmd of [['create', `app${i}`], ['push', '-a', `app${i}`]]) {
        const r = await p.paas(cmd, { cwd: other });
        if (r.code !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr}`);
      }
      if (i % 20 === 0) console.log(`${i + 1} apps deployed (${s(performance.now() - t0)})`);
    }
    const many = await measure(p, dir, 'many');
    console.log(`${apps} apps: ${JSON.stringify(many)}`);
    const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
    console.log('\n== growth benchmark ==');
    console.log(`push-to-live of a code-only change: 1 app ${s(one.pushToLive)}, ${apps} apps ${s(many.pushToLive)} (${ratio(many.pushToLive, one.pushToLive)}, target within 1.10×)`);
    console.log(`router added p99 at 500 req/s: 1 app ${(one.routerP99 - one.directP99).toFixed(2)} ms, ${apps} apps ${(many.routerP99 - many.directP99).toFixed(2)} ms (direct p99 ${one.directP99.toFixed(2)} / ${many.directP99.toFixed(2)} ms)`);
    console.log(`API CPU at idle: 1 app ${one.apiCpuPercent.toFixed(2)} %, ${apps} apps ${many.apiCpuPercent.toFixed(2)} % of a core`);
    console.log(`API resident memory: 1 app ${one.apiRssMb.toFixed(0)} MB, ${apps} apps ${many.apiRssMb.toFixed(0)} MB`);
  } finally {
    await p.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
