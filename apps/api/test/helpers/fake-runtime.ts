import { createServer, type Server } from 'node:http';
import { PassThrough } from 'node:stream';
import type {
  DataServiceSpec, DataServiceState, ExecResult, InstanceSpec, InstanceState, InstanceStats, LogLine, ProcessSession, Runtime, RuntimeEvent,
} from '../../src/runtime/types.js';

/**
 * A Runtime of our own for the scheduler's unit tests (style.md 4): every
 * instance is a real HTTP server on 127.0.0.1 answering 200 (or `status`),
 * so the real health checks run against it. Calls are recorded.
 */
export class FakeRuntime implements Runtime {
  readonly instances = new Map<string, InstanceState & { spec: InstanceSpec; server?: Server }>();
  readonly calls: string[] = [];
  /** Status the next started instances answer health checks with. */
  status = 200;
  /** Delay before startInstance returns, to hold an operation mid-way. */
  startDelayMs = 0;
  #seq = 0;
  readonly #listeners = new Set<(e: RuntimeEvent) => void>();

  async ensureNetwork(app: string): Promise<void> {
    this.calls.push(`ensureNetwork ${app}`);
  }

  async removeNetwork(app: string): Promise<void> {
    this.calls.push(`removeNetwork ${app}`);
  }

  async startInstance(spec: InstanceSpec): Promise<InstanceState> {
    if (this.startDelayMs > 0) await new Promise((r) => setTimeout(r, this.startDelayMs));
    const id = `c${++this.#seq}`.padEnd(16, '0');
    const status = this.status;
    const addresses: InstanceState['addresses'] = {};
    let server: Server | undefined;
    if (spec.ports.length > 0) {
      server = createServer((_req, res) => {
        res.statusCode = status;
        res.end('ok');
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      for (const p of spec.ports) addresses[p] = { host: '127.0.0.1', port };
    }
    const state = {
      id, name: `fake-${spec.app}-${spec.service}-${spec.release}-${spec.index}`, app: spec.app, service: spec.service,
      release: spec.release, index: spec.index, running: true, restarting: false, exitCode: null, restartCount: 0,
      startedAt: new Date(), addresses, spec, ...(server ? { server } : {}),
    };
    this.instances.set(id, state);
    this.calls.push(`start ${spec.service}.${spec.index} ${spec.release}`);
    this.#emit({ app: spec.app, id, action: 'start' });
    return this.#public(state);
  }

  async inspectInstance(id: string): Promise<InstanceState | null> {
    const s = this.instances.get(id);
    return s ? this.#public(s) : null;
  }

  async listInstances(filter: { app?: string; service?: string; release?: string }): Promise<InstanceState[]> {
    return [...this.instances.values()]
      .filter((i) => (filter.app === undefined || i.app === filter.app) && (filter.service === undefined || i.service === filter.service)
        && (filter.release === undefined || i.release === filter.release))
      .map((i) => this.#public(i));
  }

  async exec(): Promise<ExecResult> {
    return { exitCode: 0, output: '' };
  }

  async haltInstance(id: string): Promise<void> {
    const s = this.instances.get(id);
    if (!s) return;
    this.calls.push(`halt ${s.service}.${s.index} ${s.release}`);
    s.running = false;
    s.exitCode = 0;
    await new Promise<void>((r) => (s.server ? s.server.close(() => r()) : r()));
  }

  async removeInstance(id: string): Promise<void> {
    const s = this.instances.get(id);
    if (!s) return;
    this.calls.push(`remove ${s.service}.${s.index} ${s.release}`);
    this.instances.delete(id);
    this.#emit({ app: s.app, id, action: 'destroy' });
  }

  async stopInstance(id: string): Promise<void> {
    await this.haltInstance(id);
    await this.removeInstance(id);
  }

  /** Simulates a crash the engine restarts: not running, restarting. */
  crash(id: string): void {
    const s = this.instances.get(id);
    if (!s) return;
    s.running = false;
    s.restarting = true;
    s.restartCount++;
    this.#emit({ app: s.app, id, action: 'die' });
  }

  async tailLogs(): Promise<string[]> {
    return [];
  }

  async *logs(): AsyncIterable<LogLine> {
    // no output
  }

  attach(): Promise<ProcessSession> {
    return Promise.resolve(emptySession());
  }

  runOneOff(): Promise<ProcessSession> {
    return Promise.resolve(emptySession());
  }

  async stats(): Promise<InstanceStats | null> {
    return { cpuPercent: 1.5, memoryBytes: 1024, memoryLimitBytes: 4096 };
  }

  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const queue: RuntimeEvent[] = [];
    let wake: (() => void) | undefined;
    const listener = (e: RuntimeEvent): void => {
      queue.push(e);
      wake?.();
    };
    this.#listeners.add(listener);
    try {
      while (!signal.aborted) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((r) => {
          wake = r;
          signal.addEventListener('abort', () => r(), { once: true });
        });
      }
    } finally {
      this.#listeners.delete(listener);
    }
  }

  /** Data services: recorded, always running (the provisioner's readiness is tested against the real engine). */
  readonly dataServices = new Map<string, DataServiceState>();

  async startDataService(spec: DataServiceSpec): Promise<DataServiceState> {
    this.calls.push(`startDataService ${spec.app} ${spec.service}`);
    const key = `${spec.app}/${spec.service}`;
    const state: DataServiceState = this.dataServices.get(key) ?? {
      id: `data-${++this.#seq}`, name: key, app: spec.app, service: spec.service, type: spec.type,
      running: true, restarting: false, exitCode: null, restartCount: 0, startedAt: new Date(), volume: `vol-${key}`,
    };
    this.dataServices.set(key, state);
    return state;
  }

  async findDataService(app: string, service: string): Promise<DataServiceState | null> {
    return this.dataServices.get(`${app}/${service}`) ?? null;
  }

  async listDataServices(app: string): Promise<DataServiceState[]> {
    return [...this.dataServices.values()].filter((d) => d.app === app);
  }

  async removeDataService(app: string, service: string): Promise<void> {
    this.calls.push(`removeDataService ${app} ${service}`);
    this.dataServices.delete(`${app}/${service}`);
  }

  async removeAppImages(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    await Promise.all([...this.instances.keys()].map((id) => this.stopInstance(id)));
  }

  #emit(e: RuntimeEvent): void {
    for (const l of this.#listeners) l(e);
  }

  #public(s: InstanceState & { spec?: InstanceSpec; server?: Server }): InstanceState {
    const { spec: _spec, server: _server, ...rest } = s;
    return structuredClone(rest);
  }
}

function emptySession(): ProcessSession {
  const stdout = new PassThrough();
  stdout.end();
  return { stdin: new PassThrough(), stdout, stderr: null, resize: async () => undefined, wait: async () => 0, kill: async () => undefined };
}
