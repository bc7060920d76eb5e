import { PaasError, parseSpec, type RouteTable } from '@paas/core';
import { loadEdges } from '../../src/app-edges.js';
import { Deployer } from '../../src/deploy/deployer.js';
import { AppLocks } from '../../src/locks.js';
import { Reconciler } from '../../src/reconciler.js';
import { RouteTableManager } from '../../src/route-table.js';
import type { RouterControl } from '../../src/router-client.js';
import { openStore } from '../../src/store/index.js';
import type { ReleaseRow, Store } from '../../src/store/types.js';
import { hashToken } from '../../src/tokens.js';
import { FakeRuntime } from './fake-runtime.js';
import { pgliteDataDir } from './pg.js';

/** A router control of our own that keeps the table like the router does (stale versions refused). */
export class RecordingRouter implements RouterControl {
  table: RouteTable = { version: 0, routes: {} };
  tables: RouteTable[] = [];
  drained: string[][] = [];
  failNext: Error | undefined;

  async getTable(): Promise<RouteTable> {
    return structuredClone(this.table);
  }

  async putTable(table: RouteTable): Promise<void> {
    await new Promise((r) => setTimeout(r, 2));
    const fail = this.failNext;
    this.failNext = undefined;
    if (fail) throw fail;
    if (table.version <= this.table.version) {
      throw new PaasError('TABLE_STALE', `version ${table.version} is older than ${this.table.version}`);
    }
    this.table = structuredClone(table);
    this.tables.push(this.table);
  }

  async drain(targets: string[]): Promise<{ drained: boolean; inflight: number }> {
    this.drained.push(targets);
    return { drained: true, inflight: 0 };
  }

  /** Target ids routed for a host. */
  targets(host: string): string[] {
    return (this.table.routes[host]?.targets ?? []).map((t) => t.id);
  }
}

export const WEB_SPEC = `
www:
  type: python
  instances: 1
worker:
  type: python-worker
`;

export interface Scheduler {
  store: Store;
  runtime: FakeRuntime;
  router: RecordingRouter;
  routes: RouteTableManager;
  locks: AppLocks;
  deployer: Deployer;
  reconciler: Reconciler;
  logs: string[];
  /** A pending release of APP with this spec, whose images are named after the build. */
  release(spec?: string, build?: string): Promise<ReleaseRow>;
  close(): Promise<void>;
}

export const APP = 'blog';

/** A Deployer and Reconciler over a fake runtime (a FakeRuntime unless given), a recording router and a real PGlite store. */
export async function scheduler(runtime: FakeRuntime = new FakeRuntime()): Promise<Scheduler> {
  const dir = await pgliteDataDir();
  const store = await openStore({ dataDir: dir.dataDir });
  await store.createUser('admin', true, hashToken('t'));
  await store.createApp(APP, 'admin');
  const router = new RecordingRouter();
  const routes = new RouteTableManager(router, { domain: 'localhost', load: (app) => loadEdges(store, app) });
  await routes.init();
  const locks = new AppLocks(store, 50);
  const logs: string[] = [];
  const deployer = new Deployer({
    store, runtime, routes, router, domain: 'localhost', labels: {},
    limits: { memoryBytes: 64 << 20, cpus: 1, pids: 64 }, workerAliveMs: 10, drainTimeoutMs: 100, stopGraceMs: 10,
    log: (m) => logs.push(m),
  });
  const reconciler = new Reconciler({ store, runtime, deployer, locks, routes, resyncIntervalMs: 60_000, log: (m) => logs.push(m), retryMs: 20 });
  let n = 0;
  return {
    store, runtime, router, routes, locks, deployer, reconciler, logs,
    async release(spec = WEB_SPEC, build = `b${++n}`) {
      const parsed = parseSpec(spec, { file: 'paas.yml' }).spec;
      await store.createBuild(APP, build, false);
      const images = Object.fromEntries(Object.keys(parsed.services).map((s) => [s, `img-${build}-${s}`]));
      return store.createRelease({ app: APP, buildId: build, spec: parsed, images, env: {} });
    },
    async close() {
      await reconciler.stop();
      await runtime.close();
      await store.close();
      await dir.cleanup();
    },
  };
}
