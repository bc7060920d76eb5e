/**
 * Many-machine benchmark: push-to-live of a code-only change on a two-node
 * swarm lab (PAAS_RUNTIME=swarm) against the single-engine driver, side by
 * side in one run, then what a node's death costs under load.
 *
 *   npx tsx bench/swarm.ts [pushes=5]
 *
 * Both platforms run on this machine with the same app (2 instances); the
 * swarm one builds on the main engine, pushes the image to its registry on
 * the lab's host address and the nodes pull it by digest. "Live" is when the
 * router first serves the new version (polled every 20 ms). The node death:
 * node 2 is killed (every process, its link down) under ~100 req/s; failed
 * requests are counted with the time of the last one. Everything stays on
 * the machine and is removed at the end (the lab with infra/swarm-lab.sh down).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyApp, writeVersion } from '../test/src/harness/app-dir.js';
import { getVia, startLoad } from '../test/src/harness/http.js';
import { freePortOn, LAB_SCRIPT, run } from '../test/src/harness/lab.js';
import { startPlatform, type Platform } from '../test/src/harness/platform.js';

const pushes = Number(process.argv[2] ?? 5);
const NAME = 'paas-bsw';
const PREFIX = '10.219.80';
const DIR = join(tmpdir(), `paas-bench-swarm-${process.pid}`);
const LAB_ENV = { ...process.env, PAAS_LAB_NAME: NAME, PAAS_LAB_SUBNET: `${PREFIX}.0/24`, PAAS_LAB_DIR: DIR, PAAS_LAB_NODES: '2' };
const sock = (i: number): string => `unix://${DIR}/${NAME}-${i}/docker.sock`;

async function lab(...args: string[]): Promise<void> {
  const r = await run('bash', [LAB_SCRIPT, ...args], LAB_ENV, 300_000);
  if (r.code !== 0) throw new Error(`swarm-lab.sh ${args.join(' ')}: ${r.stderr}`);
}

async function pushToLive(p: Platform, dir: string, app: string, version: string): Promise<number> {
  await writeVersion(dir, version);
  const t0 = performance.now();
  const pushed = p.paas(['push'], { cwd: dir });
  for (;;) {
    const r = await getVia(p.routerPort, `${app}.localhost`).catch(() => undefined);
    if (r?.body === `version ${version}\n`) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  const live = performance.now() - t0;
  const done = await pushed;
  if (done.code !== 0) throw new Error(`push failed: ${done.stdout}${done.stderr}`);
  return live;
}

async function deployed(p: Platform, app: string): Promise<string> {
  const dir = await copyApp('test/fixtures/versioned');
  await writeFile(join(dir, 'paas.yml'), (await readFile(join(dir, 'paas.yml'), 'utf8')).replace('www:\n', 'www:\n  instances: 2\n'));
  const created = await p.paas(['create', app], { cwd: dir });
  if (created.code !== 0) throw new Error(created.stderr);
  await pushToLive(p, dir, app, '0');
  return dir;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  await mkdir(DIR, { recursive: true });
  let registry = '';
  let single: Platform | undefined;
  let swarm: Platform | undefined;
  try {
    await lab('up');
    registry = `${PREFIX}.1:${await freePortOn(`${PREFIX}.1`)}`;
    single = await startPlatform({ PAAS_STOP_GRACE_MS: '3000' });
    swarm = await startPlatform({
      PAAS_STOP_GRACE_MS: '3000',
      PAAS_RUNTIME: 'swarm',
      PAAS_SWARM_MANAGER: sock(1),
      PAAS_SWARM_ENGINES: `${NAME}-1=${sock(1)},${NAME}-2=${sock(2)}`,
      PAAS_REGISTRY_ADDR: registry,
    });
    const singleDir = await deployed(single, 'one');
    const swarmDir = await deployed(swarm, 'many');
    const times = { docker: [] as number[], swarm: [] as number[] };
    for (let i = 1; i <= pushes; i++) {
      // Alternated, so that the machine's state weighs on both alike.
      times.docker.push(await pushToLive(single, singleDir, 'one', `${i}`));
      times.swarm.push(await pushToLive(swarm, swarmDir, 'many', `${i}`));
      console.log(`push ${i}: docker ${s(times.docker.at(-1) ?? 0)}, swarm ${s(times.swarm.at(-1) ?? 0)}`);
    }
    const ratio = median(times.swarm) / median(times.docker);
    console.log(`\npush-to-live of a code-only change (median of ${pushes}): docker ${s(median(times.docker))}, swarm ${s(median(times.swarm))}; swarm/docker ${ratio.toFixed(2)}x (target <= 1.5x)`);

    // A node's death under load.
    const load = startLoad(swarm.routerPort, 'many.localhost', { concurrency: 4, intervalMs: 40, maxMs: 60_000, maxRequests: 10_000 });
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 3_000));
    const killedAt = Date.now() - t0;
    await lab('kill-node', '2');
    await new Promise((r) => setTimeout(r, 30_000));
    const report = await load.stop();
    const last = report.failures.length === 0 ? 0 : Math.max(...report.failures.map((f) => f.at)) - killedAt;
    console.log(`node 2 killed under load: ${report.failures.length} failed of ${report.sent} (${[...new Set(report.failures.map((f) => String(f.status)))].join(', ') || 'none'}), the last ${s(last)} after the kill; ${report.ok} served`);
  } finally {
    await swarm?.stop();
    await single?.stop();
    await lab('down').catch((err: unknown) => console.error(String(err)));
    await rm(DIR, { recursive: true, force: true });
    if (registry !== '') await rm(`/etc/docker/certs.d/${registry}`, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
