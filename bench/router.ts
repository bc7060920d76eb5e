/**
 * Router benchmark, one run (`npx tsx bench/router.ts`; build the router first):
 * an nginx upstream with a fixed answer, measured with wrk (-t2 -c50) directly,
 * through nginx 1.22 (2 workers, keep-alive upstream), through the paas router
 * (one process) and through the paas router in cluster mode (2 workers), in
 * alternating rounds (BENCH_ROUNDS of BENCH_SECONDS each); then open-loop
 * 1,000 req/s latency direct vs router. Every process it starts is
 * stopped at the end, on failure, and on SIGINT/SIGTERM.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNginxProxy, startUpstream } from './lib/router-nginx.js';
import { startPaasRouter } from './lib/router-paas.js';
import { Children, freePort } from './lib/router-procs.js';
import { mergeRounds, runFixedRate, type FixedRateResult } from './lib/router-fixed-rate.js';
import { runWrk, type WrkResult } from './lib/router-wrk.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const warmupSeconds = 3;
const rate = 1_000;
const rateSeconds = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const host = 'bench.localhost';

const children = new Children();
const dir = await mkdtemp(join(tmpdir(), 'paas-router-bench-'));
let cleaned = false;
async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  await children.stopAll();
  await rm(dir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanup().finally(() => process.exit(130)));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Measured {
  name: string;
  rounds: WrkResult[];
  rps: number;
}

/**
 * Every target in turn, `rounds` times, the order reversed each round, so
 * that background load on a shared machine falls on all of them alike; the
 * ratios are taken per round, then their median.
 */
async function measureRounds(targets: { name: string; port: number }[]): Promise<Measured[]> {
  for (const t of targets) await runWrk(`http://127.0.0.1:${t.port}/`, host, warmupSeconds);
  const results: Measured[] = targets.map((t) => ({ name: t.name, rounds: [], rps: 0 }));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [...targets.keys()] : [...targets.keys()].reverse();
    for (const i of order) results[i]!.rounds.push(await runWrk(`http://127.0.0.1:${targets[i]!.port}/`, host, seconds));
    console.log(`round ${r + 1}/${rounds}  load ${loadavg()[0]!.toFixed(2)}  ` + results.map((m) => `${m.name} ${m.rounds[r]!.rps.toFixed(0)}`).join('  '));
  }
  console.log('');
  for (const m of results) {
    m.rps = median(m.rounds.map((x) => x.rps));
    const p50 = median(m.rounds.map((x) => x.p50Ms));
    const p99 = median(m.rounds.map((x) => x.p99Ms));
    const errors = m.rounds.reduce((n, x) => n + x.errors + x.non2xx, 0);
    console.log(`${m.name.padEnd(24)} ${m.rps.toFixed(0).padStart(8)} req/s   p50 ${p50.toFixed(2)} ms   p99 ${p99.toFixed(2)} ms   errors ${errors}   (medians of ${rounds} rounds)`);
  }
  return results;
}

/**
 * Direct and router alternate in 2-second rounds, so that background load on
 * a shared machine falls on both alike; each side's rounds are merged.
 */
async function measureRates(targets: { name: string; port: number }[]): Promise<FixedRateResult[]> {
  for (const t of targets) await runFixedRate(t.port, host, rate, 1); // warm-up
  const rounds: FixedRateResult[][] = targets.map(() => []);
  for (let i = 0; i < Math.max(1, Math.round(rateSeconds / 2)); i++) {
    for (const [j, t] of targets.entries()) rounds[j]!.push(await runFixedRate(t.port, host, rate, 2));
  }
  return targets.map((t, j) => {
    const r = mergeRounds(rounds[j]!);
    console.log(`${t.name.padEnd(22)} ${rate} req/s, ${r.sent} requests   p50 ${r.p50Ms.toFixed(3)} ms   p99 ${r.p99Ms.toFixed(3)} ms   failed ${r.failed}   generator lag max ${r.maxLagMs.toFixed(1)} ms`);
    return r;
  });
}

const load = (): string => loadavg().map((n) => n.toFixed(2)).join(' ');

let exitCode = 0;
try {
  const upstreamPort = await freePort();
  await startUpstream(children, dir, upstreamPort);
  console.log(`load average at start: ${load()} (${cpus().length} CPUs)`);
  console.log(`upstream: nginx, 1 worker, fixed 13-byte answer on 127.0.0.1:${upstreamPort}; wrk -t2 -c50, ${rounds} rounds of ${seconds} s per target in alternating order (after ${warmupSeconds} s warm-up each)\n`);

  const nginxPort = await freePort();
  await startNginxProxy(children, dir, nginxPort, upstreamPort);
  const singlePort = await freePort();
  const single = await startPaasRouter(children, { home: join(dir, 'single'), port: singlePort, controlPort: await freePort(), workers: 1, host, upstreamPort });
  const clusterPort = await freePort();
  const cluster = await startPaasRouter(children, { home: join(dir, 'cluster'), port: clusterPort, controlPort: await freePort(), workers: 2, host, upstreamPort });

  const targets = [
    { name: 'direct', port: upstreamPort },
    { name: 'nginx (2 workers)', port: nginxPort },
    { name: 'paas router (1 proc)', port: singlePort },
    { name: 'paas router (2 workers)', port: clusterPort },
  ];
  const [direct, nginx, router, clustered] = await measureRounds(targets);

  console.log(`\nopen-loop fixed rate (node:http keep-alive generator, latency from send to last byte):`);
  const [rateDirect, rateRouter] = (await measureRates([
    { name: 'direct', port: upstreamPort },
    { name: 'paas router (1 proc)', port: singlePort },
  ])) as [FixedRateResult, FixedRateResult];
  await single.stop();
  await cluster.stop();

  const single_ = median(router!.rounds.map((r, i) => r.rps / nginx!.rounds[i]!.rps));
  const cluster_ = median(clustered!.rounds.map((r, i) => r.rps / nginx!.rounds[i]!.rps));
  const addedP99 = rateRouter.p99Ms - rateDirect.p99Ms;
  console.log(`\nmedians of the per-round ratios:`);
  console.log(`router/nginx   ${single_.toFixed(2)}x  (target ≥ 0.35)`);
  console.log(`cluster/nginx  ${cluster_.toFixed(2)}x  (target ≥ 0.50)`);
  console.log(`added p99 at ${rate} req/s: ${addedP99.toFixed(3)} ms  (target ≤ 2 ms)`);
  console.log(`direct baseline ${direct!.rps.toFixed(0)} req/s; load average at end: ${load()}`);
  const failures = [direct, nginx, router, clustered].reduce((n, t) => n + t!.rounds.reduce((m, r) => m + r.errors + r.non2xx, 0), 0) + rateRouter.failed + rateDirect.failed;
  if (failures > 0) {
    console.log(`\n${failures} failed requests`);
    exitCode = 1;
  }
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
