import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE_CLUSTER_JS, NODE_HEARTBEAT_JS } from '../src/assets/run-node.js';

// The cluster the nodejs type runs server.js in, run for real with this machine's node.

const started: { child: ChildProcess; dir: string }[] = [];

afterEach(() => {
  for (const { child, dir } of started.splice(0)) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** An app that answers its pid on /, and misbehaves on request. */
const APP = `const http = require('http');
if (require.main !== module) throw new Error('not the main module');
http.createServer((req, res) => {
  if (req.url === '/spin') { while (true) {} }
  if (req.url === '/segv') { process.kill(process.pid, 'SIGSEGV'); return; }
  if (req.url === '/oom-score') { res.end(require('fs').readFileSync('/proc/self/oom_score_adj', 'utf8').trim()); return; }
  res.end(String(process.pid));
}).listen(Number(process.env.PORT), () => console.log('listening ' + process.pid));
`;

interface Cluster { child: ChildProcess; port: number; output: () => string; exited: Promise<number | null> }

async function startCluster(app: string, env: Record<string, string> = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'paas-node-cluster-'));
  writeFileSync(join(dir, 'node-cluster.js'), NODE_CLUSTER_JS);
  writeFileSync(join(dir, 'node-heartbeat.js'), NODE_HEARTBEAT_JS);
  writeFileSync(join(dir, 'server.js'), app);
  const port = await freePort();
  // As run-node.sh starts it.
  const child = spawn(process.execPath, ['--expose-internals', join(dir, 'node-cluster.js'), 'server.js'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push({ child, dir });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, output: () => out, exited };
}

type Answer = { status: number; body: string; connection: string | undefined };

function get(port: number, path = '/', timeoutMs = 2_000): Promise<Answer | 'failed'> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
      res.on('error', () => resolve('failed'));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve('failed'));
    req.end();
  });
}

async function pids(c: Cluster, n = 40): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const r = await get(c.port);
    if (r !== 'failed' && r.status === 200) seen.add(r.body);
  }
  return seen;
}

async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('node-cluster.js, the default process of a nodejs web service', () => {
  it('runs WEB_CONCURRENCY workers of the app as its main module, on one $PORT', async () => {
    const c = await startCluster(APP, { WEB_CONCURRENCY: '3' });
    await until(() => (c.output().match(/listening/g) ?? []).length === 3, 10_000);
    expect((await pids(c, 60)).size).toBe(3);
  });

  it('replaces a worker that crashes; the other keeps answering', async () => {
    const c = await startCluster(APP);
    await until(() => (c.output().match(/listening/g) ?? []).length === 2, 10_000);
    const before = await pids(c);
    expect(before.size).toBe(2);
    expect(await get(c.port, '/segv')).toBe('failed');
    await until(() => /paas: worker \d+ ended \(SIGSEGV\); starting another/.test(c.output()), 5_000);
    // Requests right after the crash are answered by the worker left.
    for (let i = 0; i < 10; i++) expect(await get(c.port)).toMatchObject({ status: 200 });
    await until(async () => (await pids(c)).size === 2, 10_000);
  });

  it('kills a worker whose event loop is stuck past the worker timeout, and starts another', async () => {
    const c = await startCluster(APP, { PAAS_WORKER_TIMEOUT: '2' });
    await until(() => (c.output().match(/listening/g) ?? []).length === 2, 10_000);
    const spun = get(c.port, '/spin', 10_000);
    // While one worker spins, the other answers.
    await new Promise((r) => setTimeout(r, 300));
    const during = await get(c.port);
    expect(during).toMatchObject({ status: 200 });
    expect(await spun).toBe('failed');
    expect(c.output()).toMatch(/paas: worker \d+ has not answered for [23] s \(a request stuck in a loop\?\): killing it/);
    await until(() => (c.output().match(/listening/g) ?? []).length === 3, 10_000);
  });

  it('makes its workers, not itself, what the kernel kills first over the memory limit', async () => {
    const c = await startCluster(APP);
    await until(() => (c.output().match(/listening/g) ?? []).length === 2, 10_000);
    expect(await get(c.port, '/oom-score')).toMatchObject({ status: 200, body: '500' });
    // The cluster itself keeps what it was started with.
    expect(readFileSync(`/proc/${c.child.pid}/oom_score_adj`, 'utf8')).toBe(readFileSync('/proc/self/oom_score_adj', 'utf8'));
  });

  it('answers every request with Connection: close, so a stuck worker holds no kept-alive connection', async () => {
    const c = await startCluster(APP);
    await until(() => (c.output().match(/listening/g) ?? []).length === 2, 10_000);
    expect(await get(c.port)).toMatchObject({ status: 200, connection: 'close' });
  });

  it('does not leave a connection handed to a worker that died before it took it unanswered', async () => {
    // One worker: it takes the spinning request, then node hands it the next connections, which it never
    // takes. When it is killed, those wait for its replacement or are closed at once (a client such as the
    // router retries them); without paas's care node would hold them open until the client gave up.
    const c = await startCluster(APP, { WEB_CONCURRENCY: '1', PAAS_WORKER_TIMEOUT: '1' });
    await until(() => (c.output().match(/listening/g) ?? []).length === 1, 10_000);
    const spun = get(c.port, '/spin', 20_000);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const waiting = await Promise.all([get(c.port, '/', 20_000), get(c.port, '/', 20_000)]);
    const took = Date.now() - t0;
    expect(await spun).toBe('failed');
    expect(c.output()).toMatch(/killing it/);
    // Killed after 1–2 s without a heartbeat; without the close they would wait for the client's 20 s.
    expect(took).toBeLessThan(6_000);
    for (const w of waiting) if (w !== 'failed') expect(w.status).toBe(200);
  });

  it('keeps listening while the only worker is replaced: a connection waits for the new worker instead of being refused', async () => {
    const c = await startCluster(APP, { WEB_CONCURRENCY: '1' });
    await until(() => (c.output().match(/listening/g) ?? []).length === 1, 10_000);
    expect(await get(c.port, '/segv')).toBe('failed');
    // Sent while no worker is running (a new one takes a moment to start).
    expect(await get(c.port, '/', 5_000)).toMatchObject({ status: 200 });
    expect((c.output().match(/listening/g) ?? []).length).toBe(2);
  });

  it('gives the connections a stuck worker never took to another worker when it is killed: they are answered', async () => {
    const c = await startCluster(APP, { PAAS_WORKER_TIMEOUT: '3' });
    await until(() => (c.output().match(/listening/g) ?? []).length === 2, 10_000);
    const spun = get(c.port, '/spin', 20_000);
    await new Promise((r) => setTimeout(r, 300));
    // Round robin: some of these are handed to the spinning worker, which never takes them.
    const answers = await Promise.all([1, 2, 3, 4].map(() => get(c.port, '/', 20_000)));
    expect(await spun).toBe('failed');
    expect(c.output()).toMatch(/killing it/);
    for (const a of answers) expect(a).toMatchObject({ status: 200 });
  });

  it('replaces a worker that dies before it listened once the app has started, and exits after five in a row', async () => {
    // Workers after the first two die at start: the app started, then stopped being able to.
    const app = `const fs = require('fs');
const n = fs.readdirSync('.').filter((f) => f.startsWith('started-')).length;
fs.writeFileSync('started-' + process.pid, '');
if (n >= 2) { console.error('cannot start now'); process.exit(4); }
${APP}`;
    const c = await startCluster(app);
    await until(() => (c.output().match(/listening/g) ?? []).length === 2, 10_000);
    expect(await get(c.port, '/segv')).toBe('failed');
    expect(await c.exited).toBe(4);
    expect((c.output().match(/cannot start now/g) ?? []).length).toBe(5);
    expect(c.output()).toMatch(/paas: worker \d+ ended before it listened \(exit code 4\): the app cannot start/);
  });

  it('allows a stopped event loop 5 s by default, whatever the request timeout', async () => {
    const c = await startCluster(APP, { PAAS_REQUEST_TIMEOUT: '60' });
    await until(() => (c.output().match(/listening/g) ?? []).length === 2, 10_000);
    const t0 = Date.now();
    expect(await get(c.port, '/spin', 15_000)).toBe('failed');
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(5_000);
    expect(took).toBeLessThan(8_000);
  });

  it('does not count a slow start as a stopped loop: the watch begins when a worker listens', async () => {
    const slowStart = `const t = Date.now(); while (Date.now() - t < 2500) {}\n${APP}`;
    const c = await startCluster(slowStart, { PAAS_WORKER_TIMEOUT: '1' });
    await until(() => (c.output().match(/listening/g) ?? []).length === 2, 15_000);
    expect(c.output()).not.toContain('killing it');
    expect((await pids(c)).size).toBe(2);
  });

  it('exits with the app\'s code when a worker ends before it listened: the app cannot start', async () => {
    const c = await startCluster("console.error('boom'); process.exit(3);\n");
    expect(await c.exited).toBe(3);
    expect(c.output()).toMatch(/paas: worker \d+ ended before it listened \(exit code 3\): the app cannot start/);
  });

  it('refuses a WEB_CONCURRENCY that is not a number', async () => {
    const c = await startCluster(APP, { WEB_CONCURRENCY: 'lots' });
    expect(await c.exited).toBe(1);
    expect(c.output()).toContain('paas: WEB_CONCURRENCY must be a number of at least 1, got "lots"');
  });

  it('stops its workers and exits 0 on SIGTERM', async () => {
    const c = await startCluster(APP);
    await until(() => (c.output().match(/listening/g) ?? []).length === 2, 10_000);
    c.child.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    expect(await get(c.port)).toBe('failed');
  });
});
