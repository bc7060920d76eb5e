import type Dockerode from 'dockerode';
import { loadConfig } from '../../src/config.js';
import { Deployer } from '../../src/deploy/deployer.js';
import { AppLocks } from '../../src/locks.js';
import type { Platform } from '../../src/platform.js';
import { Provisioner } from '../../src/provision/provisioner.js';
import { RouteTableManager } from '../../src/route-table.js';
import type { RouterControl } from '../../src/router-client.js';
import type { Store } from '../../src/store/types.js';
import { FakeRuntime } from './fake-runtime.js';

export const quietRouter: RouterControl = {
  getTable: async () => ({ version: 0, routes: {} }),
  putTable: async () => undefined,
  drain: async () => ({ drained: true, inflight: 0 }),
};

/** A Platform for HTTP tests of the API: a real store, our fake runtime (or the one given), a router that accepts everything. */
export function testPlatform(store: Store, env: NodeJS.ProcessEnv, runtime: FakeRuntime = new FakeRuntime()): Platform {
  const routes = new RouteTableManager(quietRouter);
  const config = loadConfig(env);
  return {
    config,
    platformId: 'test01',
    store,
    runtime,
    docker: {} as Dockerode,
    router: quietRouter,
    routes,
    locks: new AppLocks(store),
    deployer: new Deployer({
      store, runtime, routes, router: quietRouter, domain: config.domain, labels: {},
      limits: { memoryBytes: 1 << 26, cpus: 1, pids: 64 }, workerAliveMs: 10, drainTimeoutMs: 10, stopGraceMs: 10,
    }),
    provisioner: new Provisioner({
      store, runtime, docker: {} as Dockerode, labels: {}, imageEnv: {}, tmpDir: env.PAAS_HOME ?? '/tmp', readyTimeoutMs: 1_000,
    }),
    wake: () => undefined,
  };
}
