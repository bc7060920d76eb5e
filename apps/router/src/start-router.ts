import type { RouteTable } from '@paas/core';
import type { RouterConfig } from './config.js';
import { createControlServer } from './control.js';
import { loadInitialTable } from './initial-table.js';
import { closeServer, listen } from './listen.js';
import { createLogger } from './log.js';
import { createProxyServer } from './proxy-server.js';
import { Routes } from './routes.js';
import { TableKeeper } from './table-keeper.js';

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
  const keeper = new TableKeeper(initial, config.stateFile, (t) => routes.replace(t));
  const proxy = createProxyServer(routes, config, log);
  const control = createControlServer({ token: config.token, keeper, inflight: (ids) => routes.inflight(ids), log });
  // Serve the saved table before the control port even exists: the API may be down.
  const port = await listen(proxy.server, config.port, config.host);
  let controlPort: number;
  try {
    controlPort = await listen(control, config.controlPort, config.controlHost);
  } catch (err) {
    await proxy.close(0);
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    port,
    controlPort,
    table: () => keeper.current,
    close() {
      closing ??= (async () => {
        await Promise.all([proxy.close(config.shutdownGraceMs), closeServer(control)]);
        await routes.destroy();
      })();
      return closing;
    },
  };
}
