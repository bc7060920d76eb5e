import type Dockerode from 'dockerode';
import type { ApiConfig } from './config.js';
import type { PushDeps } from './push/run-push.js';
import type { AppLocks } from './locks.js';
import type { RouteTableManager } from './route-table.js';
import type { RouterControl } from './router-client.js';
import type { Runtime } from './runtime/types.js';
import type { Store } from './store/types.js';

/** Everything a request handler may use, built once by server.ts (or a test). */
export interface Platform {
  config: ApiConfig;
  store: Store;
  runtime: Runtime;
  docker: Dockerode;
  router: RouterControl;
  routes: RouteTableManager;
  locks: AppLocks;
}

export function pushDeps(p: Platform): PushDeps {
  const c = p.config;
  return {
    store: p.store,
    runtime: p.runtime,
    routes: p.routes,
    router: p.router,
    docker: p.docker,
    domain: c.domain,
    routerPort: c.routerPort,
    labels: c.labels,
    instanceMemoryBytes: c.instanceMemoryBytes,
    workerAliveMs: c.workerAliveMs,
    drainTimeoutMs: c.drainTimeoutMs,
    stopGraceMs: c.stopGraceMs,
    buildCaFile: c.buildCaFile,
    buildMemoryBytes: c.buildMemoryBytes,
    buildCpuShares: c.buildCpuShares,
  };
}
