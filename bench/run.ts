/**
 * `paas run` benchmark: the round trip of `paas run www -- true` (the real
 * CLI process: start, handshake, exec, exit status) against a running
 * instance, p50/p95 over N runs. Target: p50 ≤ 1 s.
 *
 *   npx tsx bench/run.ts [runs=20]
 *
 * References in the same run, alternating with it so that background load
 * falls on all alike: `docker exec <container> true` (the engine's own CLI
 * doing the same exec) and `paas --version` (what starting Node and the CLI
 * costs before any request). Then a few runs at scale 0, where each run
 * creates, starts and removes a one-off container.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { deployVersioned } from '../test/src/harness/deployed.js';
import { cliBin, startPlatform, type Platform } from '../test/src/harness/platform.js';

const run = promisify(execFile);
const runs = Number(process.argv[2] ?? 20);

/** Wall time of one process from spawn to exit; fails on a non-zero status. */
function timed(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const ms = (v: number): string => `${v.toFixed(0).padStart(5)} ms`;

function report(name: string, values: number[]): void {
  console.log(`${name.padEnd(34)} p50 ${ms(percentile(values, 50))}   p95 ${ms(percentile(values, 95))}   (n=${values.length})`);
}

async function main(): Promise<void> {
  const p: Platform = await startPlatform();
  try {
    const dir = await deployVersioned(p, 'benchrun', 'b-1');
    const { stdout } = await run('docker', ['ps', '-q', '--filter', `label=paas.test=${p.runId}`, '--filter', 'label=paas.app=benchrun', '--filter', 'label=paas.managed=1']);
    const container = stdout.trim();
    if (!container || container.includes('\n')) throw new Error(`expected one instance, found: ${JSON.stringify(stdout)}`);
    const paas = (args: string[]): Promise<number> => timed(process.execPath, [cliBin, ...args], { cwd: dir, env: p.env });

    // Warm-up: the first exec and the first CLI start pay for caches.
    await paas(['run', 'www', '--', 'true']);
    await timed('docker', ['exec', container, 'true']);

    const paasRun: number[] = [];
    const dockerExec: number[] = [];
    const cliStart: number[] = [];
    for (let i = 0; i < runs; i++) {
      paasRun.push(await paas(['run', 'www', '--', 'true']));
      dockerExec.push(await timed('docker', ['exec', '-u', 'app', container, 'true']));
      cliStart.push(await paas(['--version']));
    }

    // Scale 0: every run is a one-off container.
    const admin = await p.adminToken();
    const scaled = await fetch(`http://127.0.0.1:${p.apiPort}/v1/apps/benchrun/scale`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scale: { www: 0 } }),
    });
    if (!/"converged"/.test(await scaled.text())) throw new Error('scaling to 0 failed');
    const oneOff: number[] = [];
    for (let i = 0; i < Math.min(runs, 5); i++) oneOff.push(await paas(['run', 'www', '--', 'true']));

    console.log('\n== run benchmark ==');
    report('paas run www -- true', paasRun);
    report('reference: docker exec -u app … true', dockerExec);
    report('reference: paas --version', cliStart);
    report('paas run www -- true at scale 0', oneOff);
    const p50 = percentile(paasRun, 50);
    console.log(`ratio paas run / docker exec (p50): ${(p50 / percentile(dockerExec, 50)).toFixed(2)}×`);
    console.log(`paas run minus CLI start (p50): ${(p50 - percentile(cliStart, 50)).toFixed(0)} ms`);
    console.log(`target (p50 ≤ 1 s): ${p50 <= 1000 ? 'met' : 'MISSED'}`);
    if (p50 > 1000) process.exitCode = 1;
  } finally {
    await p.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
