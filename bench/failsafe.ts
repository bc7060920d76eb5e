/**
 * Failsafe benchmark: what the platform does when apps misbehave.
 *
 *   npx tsx bench/failsafe.ts [--seconds 15] [--clients 8] [--only python|node] [--cases a,b] [--no-write]
 *
 * The apps are bench/failsafe/python (wsgi.py, the python type's default
 * server) and bench/failsafe/node (server.js, the nodejs type's default
 * process): one route per kind of misbehaviour, stdlib only. Every case is
 * its own app with 2 instances and `request_timeout: 10`, so a wedged
 * request ends at the router after 10 s.
 *
 * Each case runs twice against the same deploy with the same closed-loop
 * load (N clients, each sending its next request when the last one ended,
 * 15 s client timeout, 127.0.0.1 only):
 *  1. reference: straight to ONE instance (its address from `paas ps
 *     --json`), no router in front;
 *  2. `paas restart www` (fresh instances, so the reference's damage does not
 *     count), then the same load through the router with `Host: APP.localhost`.
 * The client decides which requests are "affected" (the 1 %, the one slow
 * client); the others are the unaffected ones whose latency and share
 * served are reported. Then `paas ps --json` (restarts, reasons) and the
 * `[paas]` lines of `paas logs` from the router phase say what the platform
 * did. The platform and everything it started are removed at the end, on
 * failure and on Ctrl-C. The results go to stdout and docs/failsafe.md.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { Agent, request, type IncomingMessage } from 'node:http';
import { cpus, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { copyApp } from '../test/src/harness/app-dir.js';
import { repoRoot } from '../test/src/harness/paths.js';
import { startPlatform, type Platform } from '../test/src/harness/platform.js';

const run = promisify(execFile);

// ---------- arguments ----------
function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const SECONDS = Number(flag('seconds') ?? 15);
const CLIENTS = Number(flag('clients') ?? 8);
const TRICKLE_SECONDS = Number(flag('trickle-seconds') ?? 30);
const HEALTH_MS = Number(flag('health-ms') ?? 2000);
const CLIENT_TIMEOUT_MS = 15_000;
const FAILURE_PAUSE_MS = 100;
const REQUEST_TIMEOUT_S = 10;
const LEAK_MEMORY_MB = 128;
const WRITE = !process.argv.includes('--no-write');
const only = flag('only');
const onlyCases = flag('cases')?.split(',').filter(Boolean);
if (!Number.isFinite(SECONDS) || SECONDS <= 0 || !Number.isInteger(CLIENTS) || CLIENTS < 1) throw new Error('--seconds must be > 0 and --clients a whole number ≥ 1');
if (only !== undefined && only !== 'python' && only !== 'node') throw new Error('--only takes python or node');

type Lang = 'python' | 'node';

// ---------- one request ----------
type Status = number | string;
interface Sample {
  start: number;
  end: number;
  status: Status;
  affected: boolean;
  bytes: number;
  /** The answer's first bytes when it is short (the upload route answers the length it counted). */
  text: string;
}

interface Req {
  path: string;
  method?: 'GET' | 'POST';
  /** A request body: `fast` writes it as fast as the socket takes it, `trickle` in 1 s pieces over TRICKLE_SECONDS. */
  upload?: { bytes: number; mode: 'fast' | 'trickle' };
  /** Read the answer in 64 KB steps with this pause between them. */
  slowReadPauseMs?: number;
  timeoutMs: number;
}

function hit(port: number, host: string, r: Req, agent: Agent | false, affected: boolean): Promise<Sample> {
  return new Promise((resolve) => {
    const start = performance.now();
    let bytes = 0;
    let text = '';
    let done = false;
    let trickleTimer: NodeJS.Timeout | undefined;
    const finish = (status: Status): void => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      clearTimeout(trickleTimer);
      resolve({ start, end: performance.now(), status, affected, bytes, text: bytes <= 64 ? text.trim() : '' });
    };
    const headers: Record<string, string | number> = { host };
    if (r.upload) headers['content-length'] = r.upload.bytes;
    const req = request({ host: '127.0.0.1', port, path: r.path, method: r.method ?? 'GET', headers, agent }, (res: IncomingMessage) => {
      let sinceStep = 0;
      res.on('data', (d: Buffer) => {
        if (bytes < 64) text += d.subarray(0, 64).toString();
        bytes += d.length;
        sinceStep += d.length;
        if (r.slowReadPauseMs !== undefined && sinceStep >= 64 * 1024) {
          sinceStep = 0;
          res.pause();
          setTimeout(() => res.resume(), r.slowReadPauseMs);
        }
      });
      res.on('end', () => finish(res.statusCode ?? 0));
      res.on('error', () => finish(`reset after ${res.statusCode ?? 0}`));
      res.on('aborted', () => finish(`reset after ${res.statusCode ?? 0}`));
    });
    const deadline = setTimeout(() => {
      finish('timeout');
      req.destroy();
    }, r.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    if (!r.upload) {
      req.end();
    } else if (r.upload.mode === 'fast') {
      const piece = Buffer.alloc(1024 * 1024, 'u');
      let left = r.upload.bytes;
      const more = (): void => {
        while (left > 0 && !done) {
          const n = Math.min(left, piece.length);
          left -= n;
          if (!req.write(n === piece.length ? piece : piece.subarray(0, n))) return void req.once('drain', more);
        }
        req.end();
      };
      more();
    } else {
      const steps = TRICKLE_SECONDS;
      const size = Math.ceil(r.upload.bytes / steps);
      let left = r.upload.bytes;
      const step = (): void => {
        if (done) return;
        const n = Math.min(left, size);
        left -= n;
        req.write(Buffer.alloc(n, 't'));
        if (left > 0) trickleTimer = setTimeout(step, 1000);
        else req.end();
      };
      step();
    }
  });
}

// ---------- the cases ----------
interface Case {
  name: string;
  what: string;
  /** The path of the load's n-th request (counted over all clients) and whether it is an affected one. */
  pick?: (n: number) => { path: string; affected: boolean };
  /** One extra client doing the misbehaving thing while the load asks for `/`. */
  extra?: Req;
  memoryMb?: number;
  langs?: Lang[];
}
const all = (path: string) => () => ({ path, affected: false });
const onePercent = (path: string) => (n: number) => (n % 100 === 50 ? { path, affected: true } : { path: '/', affected: false });

const CASES: Case[] = [
  { name: 'cpu', what: 'every request CPU-bound (~50 ms)', pick: all('/cpu') },
  { name: 'big', what: 'every response 100 KB', pick: all('/big') },
  { name: 'sleep', what: 'every request sleeps 1 s', pick: all('/sleep') },
  { name: 'spin', what: 'every request wedges hard (busy loop)', pick: all('/spin') },
  { name: 'wedge-1pct', what: '1 % of requests wedge hard (python: deadlock, node: busy loop)', pick: onePercent('/wedge') },
  { name: 'segv-1pct', what: '1 % of requests segfault the process', pick: onePercent('/segv') },
  { name: 'leak', what: `every request keeps 10 MB more, limit ${LEAK_MEMORY_MB} MB`, pick: all('/leak'), memoryMb: LEAK_MEMORY_MB },
  { name: 'upload-50mb', what: 'one 50 MB upload amid / traffic', extra: { path: '/upload', method: 'POST', upload: { bytes: 50 * 1024 * 1024, mode: 'fast' }, timeoutMs: 60_000 } },
  {
    name: 'trickle-1mb',
    what: `one client uploads 1 MB over ${TRICKLE_SECONDS} s amid / traffic`,
    extra: { path: '/upload', method: 'POST', upload: { bytes: 1024 * 1024, mode: 'trickle' }, timeoutMs: (TRICKLE_SECONDS + 30) * 1000 },
  },
  { name: 'slow-read-10mb', what: 'one client reads 10 MB in 64 KB steps, 125 ms apart (~20 s)', extra: { path: '/download', slowReadPauseMs: 125, timeoutMs: 90_000 } },
];

// ---------- load ----------
interface Run {
  samples: Sample[];
  ms: number;
}

async function load(port: number, host: string, c: Case): Promise<Run> {
  const t0 = performance.now();
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const samples: Sample[] = [];
  let extraDone = c.extra === undefined;
  let extra: Promise<void> = Promise.resolve();
  if (c.extra) {
    const r = c.extra;
    // Half a second of normal traffic first, so the effect shows against it.
    extra = new Promise<void>((res) => setTimeout(res, 500))
      .then(() => hit(port, host, r, false, true))
      .then((s) => void samples.push(s))
      .catch(() => undefined)
      .finally(() => (extraDone = true));
  }
  const cap = (SECONDS + 90) * 1000;
  let n = 0;
  const loop = async (): Promise<void> => {
    for (;;) {
      const elapsed = performance.now() - t0;
      if (elapsed >= cap || (elapsed >= SECONDS * 1000 && extraDone)) return;
      const { path, affected } = c.pick ? c.pick(n++) : { path: '/', affected: false };
      const s = await hit(port, host, { path, timeoutMs: CLIENT_TIMEOUT_MS }, agent, affected);
      samples.push(s);
      // A client that got an error waits a little, as real ones do, rather than spin on an instant refusal.
      if (!ok(s)) await new Promise((r) => setTimeout(r, FAILURE_PAUSE_MS));
    }
  };
  await Promise.all([...Array.from({ length: CLIENTS }, loop), extra]);
  agent.destroy();
  return { samples, ms: performance.now() - t0 };
}

// ---------- figures ----------
const ok = (s: Sample): boolean => typeof s.status === 'number' && s.status >= 200 && s.status < 300;
function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function byStatus(samples: Sample[]): string {
  const counts = new Map<string, number>();
  for (const s of samples) if (!ok(s)) counts.set(String(s.status), (counts.get(String(s.status)) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}×${v}`).join(', ') || '—';
}
const fmtMs = (x: number): string => (Number.isNaN(x) ? '—' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 1 : 0)} ms`);

interface Figures {
  sent: number;
  served: number;
  failed: string;
  p50: number;
  p99: number;
  unaffectedServedPct: number;
  affected: string;
  /** From the first failed unaffected request to the first 2 s with only 2xx; '' when nothing failed. */
  back: string;
}

function figures(r: Run): Figures {
  const un = r.samples.filter((s) => !s.affected);
  const af = r.samples.filter((s) => s.affected);
  const lat = un.map((s) => s.end - s.start);
  let back = '';
  const failedEnds = un.filter((s) => !ok(s)).map((s) => s.end).sort((a, b) => a - b);
  if (failedEnds.length > 0) {
    const t0 = Math.min(...r.samples.map((s) => s.start));
    const last = t0 + r.ms;
    back = 'not within the run';
    for (let i = 0; i < failedEnds.length; i++) {
      const next = failedEnds[i + 1] ?? last;
      const servedBetween = un.some((s) => ok(s) && s.end > failedEnds[i]! && s.end <= next);
      if (next - failedEnds[i]! >= 2000 && servedBetween) {
        back = fmtMs(failedEnds[i]! - failedEnds[0]!);
        break;
      }
    }
  }
  let affected = '';
  if (af.length > 0) {
    const served = af.filter(ok).length;
    affected = `${served}/${af.length} served` + (af.length > served ? ` (${byStatus(af)})` : '') + (af.length === 1 ? ` in ${fmtMs(af[0]!.end - af[0]!.start)}, ${af[0]!.text ? `answer "${af[0]!.text}"` : `${(af[0]!.bytes / 1024).toFixed(0)} KB read`}` : '');
  }
  return {
    sent: r.samples.length,
    served: r.samples.filter(ok).length,
    failed: byStatus(r.samples),
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    unaffectedServedPct: un.length ? (100 * un.filter(ok).length) / un.length : NaN,
    affected,
    back,
  };
}

// ---------- the platform side ----------
interface Instance {
  name: string;
  state: string;
  restarts: number;
  reason?: string;
  address?: string;
}

async function ps(p: Platform, dir: string): Promise<Instance[]> {
  const r = await p.paas(['ps', '--json'], { cwd: dir });
  if (r.code !== 0) throw new Error(`paas ps failed: ${r.stdout}${r.stderr}`);
  const parsed = JSON.parse(r.stdout) as Instance[] | { instances: Instance[] };
  return Array.isArray(parsed) ? parsed : parsed.instances;
}

async function bothHealthy(p: Platform, dir: string, withinMs: number): Promise<Instance[]> {
  const until = Date.now() + withinMs;
  let list: Instance[] = [];
  while (Date.now() < until) {
    list = await ps(p, dir).catch(() => []);
    if (list.filter((i) => i.name.startsWith('www.') && i.state === 'healthy').length >= 2) return list;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the instances did not become healthy: ${JSON.stringify(list)}`);
}

async function paasLines(p: Platform, dir: string, since: Date): Promise<string[]> {
  const r = await p.paas(['logs', '--no-follow', '-n', '5000', '--json', '--since', since.toISOString().replace(/\.\d+Z$/, 'Z')], { cwd: dir });
  if (r.code !== 0) return [`(paas logs exited ${r.code}: ${r.stderr.trim()})`];
  const lines: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    try {
      const { text } = JSON.parse(line) as { text: string };
      if (text.startsWith('[paas]')) lines.push(text.trim());
    } catch {
      /* not a JSON line */
    }
  }
  return lines;
}

/** The [paas] lines by what they say, instance numbers folded: "www.N stopped answering … ×3". */
function summarizeLines(lines: string[]): string {
  const counts = new Map<string, number>();
  for (const l of lines) {
    const key = l.replace(/^\[paas\]\s*/, '').replace(/www\.\d+/g, 'www.N');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, v]) => (v > 1 ? `${v}× "${k}"` : `"${k}"`)).join('; ');
}

function platformSummary(after: Instance[], lines: string[]): string {
  const inst = after
    .filter((i) => i.name.startsWith('www.'))
    .map((i) => `${i.name} ${i.state}, ${i.restarts} restart${i.restarts === 1 ? '' : 's'}${i.reason ? ` (${i.reason})` : ''}`)
    .join('; ');
  return lines.length ? `${inst}. [paas]: ${summarizeLines(lines)}` : `${inst}. no [paas] lines`;
}

// ---------- one case ----------
interface Result {
  lang: Lang;
  c: Case;
  paas?: Figures;
  direct?: Figures;
  did: string;
  note: string;
  error?: string;
}

async function runCase(p: Platform, lang: Lang, c: Case): Promise<Result> {
  const app = `fs-${lang === 'python' ? 'py' : 'js'}-${c.name}`;
  const dir = await copyApp(`bench/failsafe/${lang}`);
  const spec = [
    '# written by bench/failsafe.ts',
    'www:',
    `  type: ${lang === 'python' ? 'python' : 'nodejs'}`,
    '  instances: 2',
    `  request_timeout: ${REQUEST_TIMEOUT_S}`,
    '  healthcheck:',
    '    path: /health',
    ...(c.memoryMb ? ['  config:', `    memory: ${c.memoryMb}`] : []),
    '',
  ].join('\n');
  await writeFile(join(dir, 'paas.yml'), spec);
  const result: Result = { lang, c, did: '', note: '' };
  try {
    const created = await p.paas(['create', app], { cwd: dir });
    if (created.code !== 0) throw new Error(`paas create: ${created.stdout}${created.stderr}`);
    const pushed = await p.paas(['push'], { cwd: dir });
    if (pushed.code !== 0) throw new Error(`paas push: ${pushed.stdout}${pushed.stderr}`);
    const list = await bothHealthy(p, dir, 60_000);
    const one = list.find((i) => i.name === 'www.1' && i.address) ?? list.find((i) => i.address);
    if (!one?.address) throw new Error(`no instance address in paas ps --json: ${JSON.stringify(list)}`);
    const directPort = Number(one.address.split(':').pop());
    const host = `${app}.localhost`;

    log(`  ${lang}/${c.name}: direct to ${one.name} (${one.address}) …`);
    result.direct = figures(await load(directPort, host, c));

    const t = performance.now();
    let restarted = await p.paas(['restart', 'www'], { cwd: dir });
    for (let i = 0; i < 3 && restarted.code !== 0; i++) {
      // A health-check replacement of the damaged instance may hold the app; try again once it is done.
      await new Promise((r) => setTimeout(r, 5000));
      restarted = await p.paas(['restart', 'www'], { cwd: dir });
    }
    if (restarted.code !== 0) throw new Error(`paas restart: ${restarted.stdout}${restarted.stderr}`);
    await bothHealthy(p, dir, 90_000);
    result.note = `restart between ${fmtMs(performance.now() - t)}`;

    log(`  ${lang}/${c.name}: through the router …`);
    const since = new Date(Date.now() - 1000);
    result.paas = figures(await load(p.routerPort, host, c));
    // The platform's own reactions lag the traffic: give the health checks a moment to report.
    await new Promise((r) => setTimeout(r, 1000));
    result.did = platformSummary(await ps(p, dir), await paasLines(p, dir, since));
  } catch (err) {
    result.error = (err as Error).message.slice(0, 600);
  } finally {
    await p.paas(['destroy', app, '--yes'], { cwd: p.home }).catch(() => undefined);
  }
  return result;
}

// ---------- output ----------
function log(line: string): void {
  console.log(line);
}

function ratio(a: number, b: number): string {
  return Number.isNaN(a) || Number.isNaN(b) || b === 0 ? '—' : `${(a / b).toFixed(2)}×`;
}

function table(results: Result[]): string {
  const head = [
    'case',
    'paas: served/sent',
    'paas: failed',
    'paas p50',
    'paas p99',
    'paas: unaffected served',
    'direct: served/sent',
    'direct: failed',
    'direct p50',
    'direct p99',
    'direct: unaffected served',
    'p50 / p99 ratio',
    'affected requests (paas; direct)',
    'back to 100 % (paas; direct)',
    'what paas did',
  ];
  const rows = results.map((r) => {
    if (r.error || !r.paas || !r.direct) return [`${r.c.name}: ${r.c.what}`, `error: ${(r.error ?? '').replace(/\s+/g, ' ')}`, ...Array(head.length - 2).fill('')];
    const a = r.paas, d = r.direct;
    const served = (f: Figures): string => (Number.isNaN(f.unaffectedServedPct) ? '—' : `${f.unaffectedServedPct.toFixed(f.unaffectedServedPct === 100 ? 0 : 1)} %`);
    return [
      `${r.c.name}: ${r.c.what}`,
      `${a.served}/${a.sent}`,
      a.failed,
      fmtMs(a.p50),
      fmtMs(a.p99),
      served(a),
      `${d.served}/${d.sent}`,
      d.failed,
      fmtMs(d.p50),
      fmtMs(d.p99),
      served(d),
      `${ratio(a.p50, d.p50)} / ${ratio(a.p99, d.p99)}`,
      a.affected || d.affected ? `${a.affected || '—'}; ${d.affected || '—'}` : '—',
      a.back || d.back ? `${a.back || '—'}; ${d.back || '—'}` : '—',
      r.did,
    ];
  });
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

// ---------- main ----------
let platform: Platform | undefined;
let stopping: Promise<void> | undefined;
const stopPlatform = (): Promise<void> => (stopping ??= platform ? platform.stop() : Promise.resolve());

process.on('SIGINT', () => {
  console.error('\ninterrupted: removing the platform …');
  void stopPlatform().finally(() => process.exit(130));
});

async function main(): Promise<void> {
  const langs: Lang[] = only ? [only as Lang] : ['python', 'node'];
  const cases = CASES.filter((c) => !onlyCases || onlyCases.includes(c.name));
  if (onlyCases) for (const name of onlyCases) if (!CASES.some((c) => c.name === name)) throw new Error(`no case ${name}; cases: ${CASES.map((c) => c.name).join(', ')}`);
  const started = Date.now();
  platform = await startPlatform({ PAAS_HEALTH_INTERVAL_MS: String(HEALTH_MS) });
  const results: Result[] = [];
  try {
    for (const lang of langs) {
      for (const c of cases) {
        log(`${lang}/${c.name}: ${c.what}`);
        const r = await runCase(platform, lang, c);
        results.push(r);
        if (r.error) log(`  error: ${r.error}`);
        else log(`  paas ${r.paas!.served}/${r.paas!.sent} served, failed ${r.paas!.failed}, p50 ${fmtMs(r.paas!.p50)} p99 ${fmtMs(r.paas!.p99)} | direct ${r.direct!.served}/${r.direct!.sent}, failed ${r.direct!.failed}, p50 ${fmtMs(r.direct!.p50)} p99 ${fmtMs(r.direct!.p99)}\n  paas did: ${r.did}`);
      }
    }
  } finally {
    await stopPlatform();
  }
  const took = (Date.now() - started) / 1000;
  const tables = langs.map((lang) => `## ${lang === 'python' ? 'Python (type python, the default server: gunicorn, sync workers)' : 'Node.js (type nodejs, the default process: server.js in paas\'s cluster of workers)'}\n\n${table(results.filter((r) => r.lang === lang))}\n`);
  console.log(`\n${tables.join('\n')}\nthe run took ${(took / 60).toFixed(1)} min`);
  if (!WRITE) return;
  const docker = (await run('docker', ['version', '-f', '{{.Server.Version}}']).catch(() => ({ stdout: '?' }))).stdout.trim();
  const command = `npx tsx bench/failsafe.ts ${process.argv.slice(2).join(' ')}`.trim();
  const doc = `# Failsafe benchmark: apps that misbehave

Generated by \`bench/failsafe.ts\`; do not edit by hand. Run on ${new Date(started).toISOString().slice(0, 16).replace('T', ' ')} UTC with

    ${command}

on ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, Docker Engine ${docker}, Node.js ${process.version}; the machine was shared with other work, so absolute figures are noisy. The whole run took ${(took / 60).toFixed(1)} min.

How it runs: one platform (\`paas server start\`, \`PAAS_HEALTH_INTERVAL_MS=${HEALTH_MS}\`, the other settings at their defaults) on 127.0.0.1. The apps are \`bench/failsafe/python\` (a \`wsgi.py\` and no \`process:\`, so the python type's default server, gunicorn with sync workers, serves it) and \`bench/failsafe/node\` (a \`server.js\`, run by the nodejs default in paas's cluster of workers), stdlib only; docs/operating.md "Default servers" says what both do. Each case is its own app with \`instances: 2\` and \`request_timeout: ${REQUEST_TIMEOUT_S}\` (the router answers 504 after ${REQUEST_TIMEOUT_S} s without response headers, so wedged requests end); the leak case's app has \`config: {memory: ${LEAK_MEMORY_MB}}\`.

Load: ${CLIENTS} closed-loop clients (each sends its next request when the last ended) for ${SECONDS} s, longer while a case's one slow client is still going; every request has a ${CLIENT_TIMEOUT_MS / 1000} s client timeout (\`timeout\` below), and a client whose request failed waits ${FAILURE_PAUSE_MS} ms before its next one (so an instant refusal is not retried thousands of times a second). The client decides which requests are affected: in the 1 % cases every 100th request goes to the bad route, the rest to \`/\`; in the upload, trickle and slow-read cases one extra client does the slow thing (starting 0.5 s in) while the ${CLIENTS} clients ask for \`/\`. In the other cases every request is the case's own and all count. p50/p99 are over the unaffected requests, failures included at the time they failed.

Reference, in the same run and deploy: first the same load straight to ONE instance (its \`address\` from \`paas ps --json\`, no router), during which the platform's health checks still watch that instance and may replace it, as they would in production; then \`paas restart www\` (fresh instances, so the reference's damage does not carry over), then the load through the router (\`Host: APP.localhost\`). "What paas did" is \`paas ps --json\` after the router phase (state, restarts, reason of each instance) and the \`[paas]\` lines of \`paas logs\` since that phase began. "Back to 100 %" runs from the first failed unaffected request to the start of the first stretch of ≥ 2 s with served requests and no failure.

Failures: an HTTP status (\`504\` from the router is UPSTREAM_TIMEOUT), \`timeout\` (no complete answer in ${CLIENT_TIMEOUT_MS / 1000} s), or a socket error code (\`ECONNRESET\`, \`ECONNREFUSED\`; \`reset after 200\` is an answer cut short).

${tables.join('\n')}`;
  await writeFile(join(repoRoot, 'docs/failsafe.md'), doc);
  console.log('wrote docs/failsafe.md');
}

main().catch(async (err: unknown) => {
  console.error(err);
  await stopPlatform().catch(() => undefined);
  process.exitCode = 1;
});
