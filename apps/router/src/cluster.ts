import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { RouteTable, TlsSet } from '@paas/core';
import type { RouterConfig } from './config.js';
import type { FromWorker, ToWorker, WorkerConfig, WorkerState } from './cluster-messages.js';
import type { RouterHandle } from './start-router.js';
import { openControlPort } from './control-port.js';
import { loadInitialTable, loadInitialTlsSet } from './initial-table.js';
import { createLogger, type Logger } from './log.js';
import { prepareSpoolDir } from './spool.js';

const ackTimeoutMs = 5_000;

/**
 * Cluster mode: this (primary) process owns the control port and the state
 * files; `config.workers` children run the proxy on shared listening ports
 * (HTTP and HTTPS) and receive every table, certificate set and ACME answer
 * over IPC. A PUT answers only after every worker acknowledged it, and
 * /drain sums in-flight counts over workers.
 */
export async function startClusterRouter(config: RouterConfig): Promise<RouterHandle> {
  if (!cluster.isPrimary) throw new Error('startRouter with workers > 1 must run in the primary process');
  const log = createLogger(config);
  const table = await loadInitialTable(config.stateFile, log);
  const tls = await loadInitialTlsSet(config.tlsFile, log);
  // One spool directory for every worker (file names are random), made and removed here.
  const removeSpoolDir = await prepareSpoolDir(config.spoolDir);
  const fleet = new Fleet(config, { table, tls, challenges: {} }, log);
  const { port, tlsPort } = await fleet.start();
  return openControlPort(config, log, { table, tls }, {
    port,
    tlsPort,
    install: (t) => fleet.install(t),
    installTls: (s) => fleet.installTls(s),
    setChallenges: (c) => fleet.setChallenges(c),
    inflight: (ids) => fleet.inflight(ids),
    stop: (graceMs) => fleet.stop(graceMs).then(removeSpoolDir),
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
  /** What a worker started now must serve; each field is replaced whole on a change. */
  #state: WorkerState;
  #seq = 0;
  #stopping = false;

  constructor(config: RouterConfig, state: WorkerState, private readonly log: Logger) {
    const { log: _log, ...plain } = config;
    this.#config = plain;
    this.#state = state;
  }

  async start(): Promise<{ port: number; tlsPort: number | null }> {
    const fromSource = import.meta.url.endsWith('.ts');
    cluster.setupPrimary({
      exec: fileURLToPath(new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url)),
      execArgv: fromSource ? ['--import', 'tsx'] : [],
    });
    // Every worker, replacements included, listens with the configured ports: node:cluster hands the
    // same handle to every listen() with the same arguments, port 0 included (asking for the port the
    // first one got would make the primary bind it a second time).
    const ports = await Promise.all(Array.from({ length: this.#config.workers }, () => this.#fork()));
    return ports[0]!;
  }

  #fork(): Promise<{ port: number; tlsPort: number | null }> {
    const config = this.#config;
    const worker = cluster.fork();
    this.#workers.add(worker);
    let startedWith: WorkerState | null = null;
    return new Promise((resolve, reject) => {
      worker.on('message', (m: FromWorker) => {
        if (m.t === 'ready') {
          startedWith = this.#state;
          this.#send(worker, { t: 'start', config, ...startedWith });
        } else if (m.t === 'listening') {
          this.#live.add(worker);
          // What was installed while this worker was starting went only to the live ones.
          const now = this.#state;
          if (startedWith!.table !== now.table) this.#send(worker, { t: 'table', seq: 0, table: now.table });
          if (startedWith!.tls !== now.tls) this.#send(worker, { t: 'tls', seq: 0, tls: now.tls });
          if (startedWith!.challenges !== now.challenges) this.#send(worker, { t: 'challenges', seq: 0, challenges: now.challenges });
          resolve({ port: m.port, tlsPort: m.tlsPort });
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
    this.#state = { ...this.#state, table };
    await Promise.all([...this.#live].map((w) => this.#ask(w, (seq) => ({ t: 'table', seq, table }))));
  }

  /** Resolves once every live worker serves the certificate set (each builds its own secure contexts). */
  async installTls(tls: TlsSet): Promise<void> {
    this.#state = { ...this.#state, tls };
    await Promise.all([...this.#live].map((w) => this.#ask(w, (seq) => ({ t: 'tls', seq, tls }))));
  }

  async setChallenges(challenges: Record<string, string>): Promise<void> {
    this.#state = { ...this.#state, challenges };
    await Promise.all([...this.#live].map((w) => this.#ask(w, (seq) => ({ t: 'challenges', seq, challenges }))));
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
