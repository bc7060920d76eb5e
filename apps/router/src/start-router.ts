import type { RouteTable } from '@paas/core';
import type { RouterConfig } from './config.js';
import { openControlPort } from './control-port.js';
import { loadInitialTable } from './initial-table.js';
import { listen } from './listen.js';
import { createLogger } from './log.js';
import { createProxyServer } from './proxy-server.js';
import { Routes } from './routes.js';

export interface RouterHandle {
  /** The public port (bound port when config.port was 0). */
  port: number;
  controlPort: number;
  /** Lets in-flight requests finish (up to config.shutdownGraceMs), then stops everything. */
  close(): Promise<void>;
  /** The table being served. */
  table(): RouteTable;
}

/** One process: proxy listener and control port together. */
export async function startSingleRouter(config: RouterConfig): Promise<RouterHandle> {
  const log = createLogger(config);
  const initial = await loadInitialTable(config.stateFile, log);
  const routes = new Routes(initial, config);
  const proxy = createProxyServer(routes, config, log);
  // Serve the saved table before the control port even exists: the API may be down.
  const port = await listen(proxy.server, config.port, config.host);
  return openControlPort(config, log, initial, {
    port,
    install: (t) => routes.replace(t),
    inflight: (ids) => routes.inflight(ids),
    async stop(graceMs) {
      await proxy.close(graceMs);
      await routes.destroy();
    },
  });
}
