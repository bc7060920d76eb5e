/**
 * Deploy benchmark: push-to-live time of a code-only change, and failed
 * requests across 20 pushes while steady traffic goes through the router.
 *
 *   npx tsx bench/deploy.ts [pushes=20]
 *
 * Reference in the same run: the engine's own time to rebuild the same
 * code-only change (`docker build` with a warm cache, as reported by the
 * push's build step), so the platform's overhead on top of the build shows
 * as a ratio. Everything runs on 127.0.0.1 and is removed at the end.
 */
import { spawn } from 'node:child_process';
import { copyApp, writeVersion } from '../test/src/harness/app-dir.js';
import { getVia, startLoad } from '../test/src/harness/http.js';
import { cliBin, startPlatform, type Platform } from '../test/src/harness/platform.js';

const pushes = Number(process.argv[2] ?? 20);

interface PushTiming {
  toLive: number;
  build: number;
  total: number;
}

/** Runs `paas push`, timestamps the build step, and polls the router until the new version answers. */
async function timedPush(p: Platform, dir: string, version: string): Promise<PushTiming> {
  const t0 = performance.now();
  let buildStart = 0;
  let buildEnd = 0;
  let live = 0;
  const child = spawn(process.execPath, [cliBin, 'push'], { cwd: dir, env: p.env });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    const now = performance.now();
    if (!buildStart && out.includes('-----> Building')) buildStart = now;
    if (!buildEnd && out.includes('-----> Deploying')) buildEnd = now;
  });
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  const poll = (async () => {
    while (!live) {
      const r = await getVia(p.routerPort, 'bench.localhost').catch(() => undefined);
      if (r?.body === `version ${version}\n`) live = performance.now();
      else await new Promise((res) => setTimeout(res, 20));
    }
  })();
  const code = await exited;
  if (code !== 0) throw new Error(`push failed (${code}):\n${out}`);
  await poll;
  return { toLive: live - t0, build: buildEnd - buildStart, total: performance.now() - t0 };
}

function stats(values: number[]): { p50: number; max: number; mean: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: sorted[Math.floor(sorted.length / 2)] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    mean: values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1),
  };
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const p = await startPlatform({ PAAS_STOP_GRACE_MS: '3000' });
  try {
    const dir = await copyApp('test/fixtures/versioned');
    await writeVersion(dir, 'b-0');
    const created = await p.paas(['create', 'bench'], { cwd: dir });
    if (created.code !== 0) throw new Error(created.stderr);
    await timedPush(p, dir, 'b-0');

    // ~100 req/s through the router for the whole run, bounded in time and count.
    const load = startLoad(p.routerPort, 'bench.localhost', { concurrency: 4, intervalMs: 40, maxMs: 20 * 60_000, maxRequests: 200_000 });
    const timings: PushTiming[] = [];
    try {
      for (let i = 1; i <= pushes; i++) {
        await writeVersion(dir, `b-${i}`);
        const t = await timedPush(p, dir, `b-${i}`);
        timings.push(t);
        console.log(`push ${String(i).padStart(2)}: live after ${s(t.toLive)} (build ${s(t.build)}, command ${s(t.total)})`);
      }
    } finally {
      const report = await load.stop();
      const live = stats(timings.map((t) => t.toLive));
      const build = stats(timings.map((t) => t.build));
      console.log('\n== deploy benchmark ==');
      console.log(`code-only change, push → live: p50 ${s(live.p50)}, max ${s(live.max)} (target ≤ 5 s)`);
      console.log(`reference, the engine's cached rebuild inside each push: p50 ${s(build.p50)}`);
      console.log(`ratio push-to-live / rebuild: ${(live.p50 / Math.max(build.p50, 1)).toFixed(1)}×`);
      console.log(`traffic during ${timings.length} pushes: ${report.sent} requests, ${report.failures.length} failed (target 0)`);
      if (report.failures.length) console.log('failures:', JSON.stringify(report.failures.slice(0, 10)));
    }
  } finally {
    await p.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
