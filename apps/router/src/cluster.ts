import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { RouteTable } from '@paas/core';
import type { RouterConfig } from './config.js';
import type { FromWorker, ToWorker, WorkerConfig } from './cluster-messages.js';
import type { RouterHandle } from './start-router.js';
import { openControlPort } from './control-port.js';
import { loadInitialTable } from './initial-table.js';
import { listen } from './listen.js';
import { createLogger, type Logger } from './log.js';

const ackTimeoutMs = 5_000;

/**
 * Cluster mode: this (primary) process owns the control port and the state
 * file; `config.workers` children run the proxy on a shared listening port
 * and receive every table over IPC. A PUT answers only after every worker
 * acknowledged the table, and /drain sums in-flight counts over workers.
 */
export async function startClusterRouter(config: RouterConfig): Promise<RouterHandle> {
  if (!cluster.isPrimary) throw new Error('startRouter with workers > 1 must run in the primary process');
  const log = createLogger(config);
  const initial = await loadInitialTable(config.stateFile, log);
  const fleet = new Fleet(config, initial, log);
  const port = await fleet.start();
  return openControlPort(config, log, initial, {
    port,
    install: (t) => fleet.install(t),
    inflight: (ids) => fleet.inflight(ids),
    stop: (graceMs) => fleet.stop(graceMs),
  });
}

type Waiter = { resolve: (m: FromWorker) => void; timer: NodeJS.Timeout };

class Fleet {
  /** Every forked worker (stop waits for all of them). */
  readonly #workers = new Set<Worker>();
  /** Workers that listen and hold a table: they get every new table and in-flight query. */
  readonly #live = new Set<Worker>();
  readonly #waiters = new Map<number, Waiter>();
  readonly #config: WorkerConfig;
  #table: RouteTable;
  #seq = 0;
  #stopping = false;
  #port = 0;

  constructor(config: RouterConfig, table: RouteTable, private readonly log: Logger) {
    const { log: _log, ...plain } = config;
    this.#config = plain;
    this.#table = table;
  }

  async start(): Promise<number> {
    const fromSource = import.meta.url.endsWith('.ts');
    cluster.setupPrimary({
      exec: fileURLToPath(new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url)),
      execArgv: fromSource ? ['--import', 'tsx'] : [],
    });
    const ports = await Promise.all(Array.from({ length: this.#config.workers }, () => this.#fork()));
    this.#port = ports[0]!;
    return this.#port;
  }

  #fork(): Promise<number> {
    // After the first worker bound an ephemeral port, the others (and replacements) must bind the same one.
    const config = this.#port !== 0 ? { ...this.#config, port: this.#port } : this.#config;
    const worker = cluster.fork();
    this.#workers.add(worker);
    let startedWith: RouteTable | null = null;
    return new Promise((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        if (m.t === 'ready') {
          startedWith = this.#table;
          this.#send(worker, { t: 'start', config, table: startedWith });
        } else if (m.t === 'listening') {
          this.#live.add(worker);
          // A table installed while this worker was starting went only to the live ones.
          if (startedWith !== this.#table) this.#send(worker, { t: 'table', seq: 0, table: this.#table });
          resolve(m.port);
        }
        else if (m.t === 'failed') reject(new Error(`router worker could not listen: ${m.message}`));
        else this.#answer(m.seq, m);
      });
      worker.on('exit', (code, signal) => {
        this.#workers.delete(worker);
        this.#live.delete(worker);
        reject(new Error(`router worker exited (${signal ?? code}) before listening`));
        if (!this.#stopping) {
          this.log({ level: 'error', code: 'WORKER_EXITED', message: `worker ${worker.process.pid} exited (${signal ?? code}); starting another` });
          this.#fork().catch((err: unknown) => this.log({ level: 'error', code: 'WORKER_FAILED', message: String(err) }));
        }
      });
    });
  }

  #send(worker: Worker, m: ToWorker): void {
    if (worker.isConnected()) worker.send(m);
  }

  #ask(worker: Worker, make: (seq: number) => ToWorker): Promise<FromWorker | null> {
    const seq = ++this.#seq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(seq);
        resolve(null);
      }, ackTimeoutMs);
      this.#waiters.set(seq, { resolve, timer });
      this.#send(worker, make(seq));
    });
  }

  #answer(seq: number, m: FromWorker): void {
    const w = this.#waiters.get(seq);
    if (w === undefined) return;
    this.#waiters.delete(seq);
    clearTimeout(w.timer);
    w.resolve(m);
  }

  /** Resolves once every live worker serves the table. */
  async install(table: RouteTable): Promise<void> {
    this.#table = table;
    await Promise.all([...this.#live].map((w) => this.#ask(w, (seq) => ({ t: 'table', seq, table }))));
  }

  async inflight(ids: ReadonlySet<string>): Promise<number> {
    const list = [...ids];
    const answers = await Promise.all([...this.#live].map((w) => this.#ask(w, (seq) => ({ t: 'inflight', seq, ids: list }))));
    let n = 0;
    for (const a of answers) if (a?.t === 'inflight') n += a.n;
    return n;
  }

  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    await Promise.all(
      [...this.#workers].map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            const kill = setTimeout(() => w.process.kill('SIGKILL'), graceMs + 2_000);
            w.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            this.#send(w, { t: 'stop', graceMs });
          }),
      ),
    );
  }
}
