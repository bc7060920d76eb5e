/**
 * Data service benchmark.
 *
 *   npx tsx bench/services.ts [pushes=8] [gigabytes=1]
 *
 * 1. Push to a ready PostgreSQL on first provision (its image already
 *    built): the whole first push of an app with www + db, and the part
 *    from "Creating db" to "db is ready".
 * 2. What a push adds when its data services already exist: code-only
 *    pushes of the same app, alternated with pushes of a twin app without
 *    the data service (the reference), p50 of each.
 * 3. `paas backup` and `paas restore` of a PostgreSQL database of about
 *    `gigabytes` GB, against plain `pg_dump -Fc` piped to a file and
 *    `pg_restore` from it (docker exec into the same container) in the same
 *    run; throughput ratios.
 *
 * Everything runs on 127.0.0.1 and is removed at the end.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { copyApp, writeVersion } from '../test/src/harness/app-dir.js';
import { startPlatform, type Platform } from '../test/src/harness/platform.js';
import { p50, pushWithEvents } from './lib/push-events.js';

const pushes = Number(process.argv[2] ?? 8);
const gigabytes = Number(process.argv[3] ?? 1);

interface Timed { total: number; marks: Record<string, number> }

async function timedPush(p: Platform, dir: string): Promise<Timed> {
  const t0 = performance.now();
  const marks: Record<string, number> = {};
  await pushWithEvents(p, dir, (e) => {
    const at = performance.now() - t0;
    if (e.type === 'deploy.step' && e.step.startsWith('Creating ')) marks.creating ??= at;
    if (e.type === 'deploy.step' && e.step.endsWith(' is ready')) marks.ready = at;
    if (e.type === 'done') marks.done ??= at;
  });
  return { total: performance.now() - t0, marks };
}

async function app(p: Platform, name: string, withDb: boolean): Promise<string> {
  const dir = await copyApp('test/fixtures/versioned');
  if (withDb) await appendFile(join(dir, 'paas.yml'), 'db:\n  type: postgresql\n');
  await writeVersion(dir, '0');
  const created = await p.paas(['create', name], { cwd: dir });
  if (created.code !== 0) throw new Error(created.stderr);
  return dir;
}

/** Runs a command to its end; stdout to `out` when given. */
async function run(cmd: string, args: string[], io: { out?: string; in?: string } = {}): Promise<number> {
  const t0 = performance.now();
  const child = spawn(cmd, args, { stdio: ['pipe', io.out ? 'pipe' : 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const feeding = io.in ? pipeline(createReadStream(io.in), child.stdin!) : Promise.resolve(child.stdin!.end());
  const draining = io.out && child.stdout ? pipeline(child.stdout, createWriteStream(io.out)) : Promise.resolve();
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  await Promise.all([feeding, draining]);
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`);
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const p = await startPlatform({ PAAS_STOP_GRACE_MS: '3000' });
  const work = await mkdtemp(join(tmpdir(), 'paas-bench-services-'));
  try {
    // 1. First provision.
    const withDb = await app(p, 'bench-db', true);
    const plain = await app(p, 'bench-plain', false);
    const first = await timedPush(p, withDb);
    const provision = (first.marks.ready ?? 0) - (first.marks.creating ?? 0);
    await timedPush(p, plain);

    // 2. Pushes when the service exists, alternated with the twin without one.
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 1; i <= pushes; i++) {
      await writeVersion(withDb, String(i));
      a.push((await timedPush(p, withDb)).total);
      await writeVersion(plain, String(i));
      b.push((await timedPush(p, plain)).total);
    }

    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
    console.log(`\n## data services (PostgreSQL)\n`);
    console.log(`first push of www + db, db image already built: ${s(first.total)}; creating db until it accepts its login: ${s(provision)}`);
    console.log(`code-only push, p50 of ${pushes}: with db ${s(p50(a))}, twin without db ${s(p50(b))}, added ${((p50(a) - p50(b)) / 1000).toFixed(3)} s (target ≤ 0.2 s)`);

    // 3. A database of about `gigabytes` GB: rows of random text compress little, as real data.
    const rows = Math.round((gigabytes * 1024 * 1024 * 1024) / 1100);
    const fill = await p.paas(['run', 'db', '--', 'psql', '-q', '-c',
      `CREATE TABLE big (id bigint PRIMARY KEY, body text); INSERT INTO big SELECT g, (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 32) i) FROM generate_series(1, ${rows}) g;`,
    ], { cwd: withDb });
    if (fill.code !== 0) throw new Error(`filling the database failed: ${fill.stderr}`);
    const size = await p.paas(['run', 'db', '--', 'psql', '-At', '-c', "SELECT pg_size_pretty(pg_database_size('app'))"], { cwd: withDb });
    const container = (await runText('docker', ['ps', '-q', '--filter', `label=paas.test=${p.runId}`, '--filter', 'label=paas.app=bench-db', '--filter', 'label=paas.data'])).trim();

    const refDump = join(work, 'reference.dump');
    const paasFile = join(work, 'paas.paasbak');
    const refBackup = await run('docker', ['exec', '-u', '901', container, 'pg_dump', '-Fc', '-d', 'app'], { out: refDump });
    const paasBackup = await runIn(withDb, p, ['backup', 'db', '-o', paasFile]);
    const refRestore = await run('docker', ['exec', '-i', '-u', '901', container, 'pg_restore', '--clean', '--if-exists', '--single-transaction', '-d', 'app'], { in: refDump });
    const paasRestore = await runIn(withDb, p, ['restore', 'db', paasFile, '--yes']);
    const dumpBytes = (await stat(refDump)).size;
    const fileBytes = (await stat(paasFile)).size;

    const mbps = (bytes: number, ms: number): string => `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`;
    console.log(`database ${size.stdout.trim()}, dump ${(dumpBytes / 1e6).toFixed(0)} MB, paas backup file ${(fileBytes / 1e6).toFixed(0)} MB`);
    console.log(`backup:  pg_dump -Fc > file ${s(refBackup)} (${mbps(dumpBytes, refBackup)}); paas backup ${s(paasBackup)} (${mbps(fileBytes, paasBackup)}); ratio ${(refBackup / paasBackup).toFixed(2)}× (target ≥ 0.9×)`);
    console.log(`restore: pg_restore < file ${s(refRestore)}; paas restore ${s(paasRestore)}; ratio ${(refRestore / paasRestore).toFixed(2)}× (target ≥ 0.9×)`);
  } finally {
    await rm(work, { recursive: true, force: true });
    await p.stop();
  }
}

async function runIn(cwd: string, p: Platform, args: string[]): Promise<number> {
  const t0 = performance.now();
  const r = await p.paas(args, { cwd });
  if (r.code !== 0) throw new Error(`paas ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return performance.now() - t0;
}

async function runText(cmd: string, args: string[]): Promise<string> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => child.on('close', resolve));
  return out;
}

await main();
