/**
 * Router benchmark, one run (`npx tsx bench/router.ts`; build the router first):
 * an nginx upstream with a fixed answer, measured with wrk (-t2 -c50) directly,
 * through nginx 1.22 (2 workers, keep-alive upstream), through the paas router
 * (one process) and through the paas router in cluster mode (2 workers), each
 * over plain HTTP and over HTTPS (nginx and the router terminating TLS with
 * the same self-signed P-256 certificate; wrk keeps its connections, so this
 * measures TLS records, not handshakes), in alternating rounds (BENCH_ROUNDS
 * of BENCH_SECONDS each); then open-loop 1,000 req/s latency direct vs router,
 * and over HTTPS nginx vs router. Every process it starts is stopped at the
 * end, on failure, and on SIGINT/SIGTERM.
 *
 * BENCH_BASELINE_ROUTER=/path/to/apps/router/dist/server.js (an earlier
 * build, e.g. from `git archive <commit> apps/router`) adds that router's
 * plain HTTP to the same rounds, so a change is compared with what it
 * replaced under the same background load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNginxProxy, startUpstream } from './lib/router-nginx.js';
import { startPaasRouter } from './lib/router-paas.js';
import { Children, freePort } from './lib/router-procs.js';
import { fixedRateAgent, mergeRounds, runFixedRate, type FixedRateResult } from './lib/router-fixed-rate.js';
import { cpuMs } from './lib/router-cpu.js';
import { makeBenchCert } from './lib/router-tls.js';
import { runWrk, type WrkResult } from './lib/router-wrk.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const warmupSeconds = 3;
const rate = 1_000;
const rateSeconds = Number(process.env.BENCH_RATE_SECONDS ?? 10);
const host = 'bench.localhost';
const baselineJs = process.env.BENCH_BASELINE_ROUTER;

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
  /** CPU ms the proxy (or the upstream, for direct) used per 1,000 requests, per round. */
  cpuPerK: number[];
}

/**
 * Every target in turn, `rounds` times, the order reversed each round, so
 * that background load on a shared machine falls on all of them alike; the
 * ratios are taken per round, then their median.
 */
async function measureRounds(targets: { name: string; url: string; pid: number }[]): Promise<Measured[]> {
  for (const t of targets) await runWrk(t.url, host, warmupSeconds);
  const results: Measured[] = targets.map((t) => ({ name: t.name, rounds: [], rps: 0, cpuPerK: [] }));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [...targets.keys()] : [...targets.keys()].reverse();
    for (const i of order) {
      const before = cpuMs(targets[i]!.pid);
      const r = await runWrk(targets[i]!.url, host, seconds);
      results[i]!.rounds.push(r);
      results[i]!.cpuPerK.push(((cpuMs(targets[i]!.pid) - before) * 1_000) / (r.rps * seconds));
    }
    console.log(`round ${r + 1}/${rounds}  load ${loadavg()[0]!.toFixed(2)}  ` + results.map((m) => `${m.name} ${m.rounds[r]!.rps.toFixed(0)}`).join('  '));
  }
  console.log('');
  for (const m of results) {
    m.rps = median(m.rounds.map((x) => x.rps));
    const p50 = median(m.rounds.map((x) => x.p50Ms));
    const p99 = median(m.rounds.map((x) => x.p99Ms));
    const errors = m.rounds.reduce((n, x) => n + x.errors + x.non2xx, 0);
    console.log(`${m.name.padEnd(24)} ${m.rps.toFixed(0).padStart(8)} req/s   p50 ${p50.toFixed(2)} ms   p99 ${p99.toFixed(2)} ms   CPU ${median(m.cpuPerK).toFixed(0).padStart(4)} ms per 1k requests   errors ${errors}   (medians of ${rounds} rounds)`);
  }
  return results;
}

/**
 * Direct and router alternate in 2-second rounds, so that background load on
 * a shared machine falls on both alike; each side's rounds are merged.
 */
async function measureRates(targets: { name: string; port: number; tls?: { ca: string } }[]): Promise<FixedRateResult[]> {
  // One agent per target for warm-up and rounds: connections (and TLS handshakes) happen in the warm-up.
  const agents = targets.map((t) => fixedRateAgent(host, t.tls));
  for (const [j, t] of targets.entries()) await runFixedRate(t.port, host, rate, 2, t.tls, agents[j]); // warm-up
  const rounds: FixedRateResult[][] = targets.map(() => []);
  for (let i = 0; i < Math.max(1, Math.round(rateSeconds / 2)); i++) {
    for (const [j, t] of targets.entries()) {
      // The others' rounds outlast the router's 5 s keep-alive: reconnect (handshake) outside the measured round.
      await runFixedRate(t.port, host, rate, 1, t.tls, agents[j]);
      rounds[j]!.push(await runFixedRate(t.port, host, rate, 2, t.tls, agents[j]));
    }
  }
  for (const a of agents) a.destroy();
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
  const upstreamPid = await startUpstream(children, dir, upstreamPort);
  console.log(`load average at start: ${load()} (${cpus().length} CPUs)`);
  console.log(`upstream: nginx, 1 worker, fixed 13-byte answer on 127.0.0.1:${upstreamPort}; wrk -t2 -c50, ${rounds} rounds of ${seconds} s per target in alternating order (after ${warmupSeconds} s warm-up each)\n`);

  const cert = await makeBenchCert(dir, host);
  const nginxPort = await freePort();
  const nginxPid = await startNginxProxy(children, dir, nginxPort, upstreamPort);
  const nginxTlsPort = await freePort();
  const nginxTlsPid = await startNginxProxy(children, dir, nginxTlsPort, upstreamPort, cert);
  const [singlePort, singleTlsPort] = [await freePort(), await freePort()];
  const single = await startPaasRouter(children, { home: join(dir, 'single'), port: singlePort, controlPort: await freePort(), workers: 1, host, upstreamPort, tls: { port: singleTlsPort, cert } });
  const [clusterPort, clusterTlsPort] = [await freePort(), await freePort()];
  const cluster = await startPaasRouter(children, { home: join(dir, 'cluster'), port: clusterPort, controlPort: await freePort(), workers: 2, host, upstreamPort, tls: { port: clusterTlsPort, cert } });

  const baseline = baselineJs === undefined ? null : {
    single: await freePort(),
    cluster: await freePort(),
  };
  const basePids = baseline === null ? null : {
    single: (await startPaasRouter(children, { home: join(dir, 'base-single'), port: baseline.single, controlPort: await freePort(), workers: 1, host, upstreamPort, serverJs: baselineJs })).pid,
    cluster: (await startPaasRouter(children, { home: join(dir, 'base-cluster'), port: baseline.cluster, controlPort: await freePort(), workers: 2, host, upstreamPort, serverJs: baselineJs })).pid,
  };
  const http = (port: number): string => `http://127.0.0.1:${port}/`;
  const https = (port: number): string => `https://127.0.0.1:${port}/`;
  const targets = [
    { name: 'direct', url: http(upstreamPort), pid: upstreamPid },
    { name: 'nginx (2 workers)', url: http(nginxPort), pid: nginxPid },
    { name: 'paas router (1 proc)', url: http(singlePort), pid: single.pid },
    { name: 'paas router (2 workers)', url: http(clusterPort), pid: cluster.pid },
    { name: 'nginx TLS (2 workers)', url: https(nginxTlsPort), pid: nginxTlsPid },
    { name: 'router TLS (1 proc)', url: https(singleTlsPort), pid: single.pid },
    { name: 'router TLS (2 workers)', url: https(clusterTlsPort), pid: cluster.pid },
    ...(baseline === null || basePids === null ? [] : [
      { name: 'baseline router (1 proc)', url: http(baseline.single), pid: basePids.single },
      { name: 'baseline router (2 wkrs)', url: http(baseline.cluster), pid: basePids.cluster },
    ]),
  ];
  const measured = await measureRounds(targets);
  const [direct, nginx, router, clustered, nginxTls, routerTls, clusteredTls] = measured as [Measured, Measured, Measured, Measured, Measured, Measured, Measured];

  console.log(`\nopen-loop fixed rate (node:http/https keep-alive generator, latency from send to last byte):`);
  const ca = { ca: cert.cert };
  const [rateDirect, rateRouter, rateNginxTls, rateRouterTls] = (await measureRates([
    { name: 'direct', port: upstreamPort },
    { name: 'paas router (1 proc)', port: singlePort },
    { name: 'nginx TLS (2 workers)', port: nginxTlsPort, tls: ca },
    { name: 'router TLS (1 proc)', port: singleTlsPort, tls: ca },
  ])) as [FixedRateResult, FixedRateResult, FixedRateResult, FixedRateResult];
  await single.stop();
  await cluster.stop();

  const ratio = (a: Measured, b: Measured): number => median(a.rounds.map((r, i) => r.rps / b.rounds[i]!.rps));
  // Requests per CPU-second relative to the other: what the throughput ratio would be with the same CPU for both.
  const cpuRatio = (a: Measured, b: Measured): number => median(b.cpuPerK) / median(a.cpuPerK);
  const addedP99 = rateRouter.p99Ms - rateDirect.p99Ms;
  console.log(`\nmedians of the per-round ratios:`);
  console.log(`router/nginx            ${ratio(router, nginx).toFixed(2)}x  (target ≥ 0.35; before the TLS and hardening work: 0.52)`);
  console.log(`cluster/nginx           ${ratio(clustered, nginx).toFixed(2)}x  (target ≥ 0.50; before: 0.62)`);
  if (baseline !== null) {
    const [baseSingle, baseCluster] = measured.slice(7) as [Measured, Measured];
    console.log(`baseline router/nginx   ${ratio(baseSingle, nginx).toFixed(2)}x   router/baseline  ${ratio(router, baseSingle).toFixed(2)}x  (same rounds; per CPU ${cpuRatio(router, baseSingle).toFixed(2)}x)`);
    console.log(`baseline cluster/nginx  ${ratio(baseCluster, nginx).toFixed(2)}x   cluster/baseline ${ratio(clustered, baseCluster).toFixed(2)}x  (same rounds; per CPU ${cpuRatio(clustered, baseCluster).toFixed(2)}x)`);
  }
  console.log(`router TLS/nginx TLS    ${ratio(routerTls, nginxTls).toFixed(2)}x  (target ≥ 0.5)`);
  console.log(`cluster TLS/nginx TLS   ${ratio(clusteredTls, nginxTls).toFixed(2)}x`);
  console.log(`requests per CPU-second, router/nginx: HTTP ${cpuRatio(router, nginx).toFixed(2)}x (cluster ${cpuRatio(clustered, nginx).toFixed(2)}x), HTTPS ${cpuRatio(routerTls, nginxTls).toFixed(2)}x (cluster ${cpuRatio(clusteredTls, nginxTls).toFixed(2)}x)`);
  console.log(`added p99 at ${rate} req/s, router over direct (HTTP):        ${addedP99.toFixed(3)} ms  (target ≤ 2 ms)`);
  console.log(`added p99 at ${rate} req/s, router TLS over direct (HTTP):    ${(rateRouterTls.p99Ms - rateDirect.p99Ms).toFixed(3)} ms  (target ≤ 2 ms)`);
  console.log(`added p99 at ${rate} req/s, nginx TLS over direct (HTTP):     ${(rateNginxTls.p99Ms - rateDirect.p99Ms).toFixed(3)} ms`);
  console.log(`router TLS p99 minus nginx TLS p99 at ${rate} req/s:           ${(rateRouterTls.p99Ms - rateNginxTls.p99Ms).toFixed(3)} ms`);
  console.log(`direct baseline ${direct.rps.toFixed(0)} req/s; load average at end: ${load()}`);
  const failures = measured.reduce((n, t) => n + t.rounds.reduce((m, r) => m + r.errors + r.non2xx, 0), 0) +
    [rateDirect, rateRouter, rateNginxTls, rateRouterTls].reduce((n, r) => n + r.failed, 0);
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
