/**
 * Log latency benchmark: how long a line takes from the app's write to
 * `paas logs` printing it, p50/p99 over N lines (default 200).
 *
 *   npx tsx bench/logs.ts [lines=200]
 *
 * The app (test/fixtures/logger) prints `bench-<n> <ns>` with the wall-clock
 * time of its write when asked through the router; the latency of a line is
 * the time its text arrives on the reader's stdout minus that. Reference in
 * the same run, on the same container and the same lines: the engine's own
 * `docker logs -f`. One line at a time (the next is asked for once both
 * readers printed the last), so each figure is a latency, not a queue.
 * Everything runs on 127.0.0.1 and is removed at the end. Target: p99 ≤ 250 ms.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { copyApp } from '../test/src/harness/app-dir.js';
import { followCli, type FollowedLine } from '../test/src/harness/cli-follow.js';
import { getVia } from '../test/src/harness/http.js';
import { startPlatform } from '../test/src/harness/platform.js';

const run = promisify(execFile);
const count = Math.max(10, Math.min(2_000, Number(process.argv[2] ?? 200)));
const APP = 'benchlogs';

/** Lines of `docker logs -f --tail 0 ID` (stdout and stderr) with their arrival time. */
function dockerFollow(id: string): { lines: FollowedLine[]; stop(): void } {
  const child = spawn('docker', ['logs', '-f', '--tail', '0', id], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: FollowedLine[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream.on('data', (d: Buffer) => {
      const at = performance.now();
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) lines.push({ at, text });
    });
  }
  return { lines, stop: () => void child.kill('SIGTERM') };
}

/** Latency in ms of each `bench-<n> <ns>` line: arrival (wall clock) minus the app's write. */
function latencies(lines: FollowedLine[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const { at, text } of lines) {
    const m = /bench-(\d+) (\d+)$/.exec(text);
    if (!m || out.has(Number(m[1]))) continue;
    const written = Number(BigInt(m[2] ?? '0') / 1000n) / 1000; // ns → ms, keeping µs
    out.set(Number(m[1]), performance.timeOrigin + at - written);
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  const p = await startPlatform();
  const readers: { stop(): unknown }[] = [];
  try {
    const dir = await copyApp('test/fixtures/logger');
    if ((await p.paas(['create', APP], { cwd: dir })).code !== 0) throw new Error('paas create failed');
    const pushed = await p.paas(['push'], { cwd: dir });
    if (pushed.code !== 0) throw new Error(`push failed:\n${pushed.stdout}${pushed.stderr}`);
    const id = (await run('docker', ['ps', '-q', '--filter', `label=paas.test=${p.runId}`, '--filter', `label=paas.app=${APP}`])).stdout.trim();
    if (!/^[0-9a-f]+$/.test(id)) throw new Error(`expected one container of ${APP}, got ${JSON.stringify(id)}`);

    const env = { ...p.env, PAAS_API_URL: `http://127.0.0.1:${p.apiPort}`, PAAS_TOKEN: await p.adminToken() };
    const paas = followCli(['logs', '-a', APP, '-n', '0'], env);
    const docker = dockerFollow(id);
    readers.push({ stop: () => paas.interrupt() }, docker);
    const seenByBoth = (n: number): boolean =>
      [paas.lines, docker.lines].every((lines) => lines.some((l) => l.text.includes(`bench-${n} `)));
    const say = async (n: number): Promise<void> => {
      const r = await getVia(p.routerPort, `${APP}.localhost`, `/stamp/bench-${n}`);
      if (r.status !== 200) throw new Error(`the app answered ${r.status}`);
    };
    // Warm-up: both readers are connected once they print line 0.
    for (let tries = 0; !seenByBoth(0); tries++) {
      if (tries > 100) throw new Error(`the readers never printed a line; paas logs stderr: ${paas.stderr()}`);
      await say(0);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let n = 1; n <= count; n++) {
      await say(n);
      const deadline = Date.now() + 5_000;
      while (!seenByBoth(n) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
      if (!seenByBoth(n)) throw new Error(`line ${n} did not reach both readers within 5 s`);
    }

    const report = (name: string, lines: FollowedLine[]) => {
      const all = latencies(lines);
      all.delete(0);
      const sorted = [...all.values()].sort((a, b) => a - b);
      return { name, n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
    };
    const ours = report('paas logs', paas.lines);
    const ref = report('docker logs -f', docker.lines);
    console.log('\n== logs benchmark: app write → printed ==');
    for (const r of [ours, ref]) console.log(`${r.name.padEnd(15)} ${r.n} lines  p50 ${fmt(r.p50)}  p99 ${fmt(r.p99)}  max ${fmt(r.max)}`);
    console.log(`ratio paas / docker: p50 ${(ours.p50 / ref.p50).toFixed(2)}×, p99 ${(ours.p99 / ref.p99).toFixed(2)}×`);
    console.log(`target p99 ≤ 250 ms: ${ours.p99 <= 250 ? 'met' : 'NOT met'} (${fmt(ours.p99)})`);
  } finally {
    for (const r of readers) await r.stop();
    await p.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
