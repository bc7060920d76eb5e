import type { RouterConfig } from './config.js';
import type { RouterHandle } from './start-router.js';
import { startClusterRouter } from './cluster.js';
import { startSingleRouter } from './start-router.js';

export type { RouterConfig, LogEntry } from './config.js';
export type { RouterHandle } from './start-router.js';
export { loadConfig, routerConfig, defaultConfig, parseTrustedProxies } from './config.js';
export { routerErrors, type RouterErrorCode } from './errors.js';

/** Starts the router: one process, or a node:cluster primary with `config.workers` proxy workers. */
export function startRouter(config: RouterConfig): Promise<RouterHandle> {
  return config.workers > 1 ? startClusterRouter(config) : startSingleRouter(config);
}
