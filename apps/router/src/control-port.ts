import type { RouteTable } from '@paas/core';
import type { RouterConfig } from './config.js';
import { createControlServer } from './control.js';
import { closeServer, listen } from './listen.js';
import type { Logger } from './log.js';
import type { RouterHandle } from './start-router.js';
import { TableKeeper } from './table-keeper.js';

/** The proxy side of a router, one process or a fleet of workers, already serving. */
export interface ServingProxy {
  port: number;
  install(table: RouteTable): void | Promise<void>;
  inflight(ids: ReadonlySet<string>): number | Promise<number>;
  stop(graceMs: number): Promise<void>;
}

/**
 * What both modes share once the proxy serves the saved table: the keeper of
 * the table file, the control port, and the handle. If the control port
 * cannot be had, the proxy is stopped again.
 */
export async function openControlPort(config: RouterConfig, log: Logger, initial: RouteTable, proxy: ServingProxy): Promise<RouterHandle> {
  const keeper = new TableKeeper(initial, config.stateFile, (t) => proxy.install(t));
  const control = createControlServer({ token: config.token, keeper, inflight: (ids) => proxy.inflight(ids), log });
  let controlPort: number;
  try {
    controlPort = await listen(control, config.controlPort, config.controlHost);
  } catch (err) {
    await proxy.stop(0);
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    port: proxy.port,
    controlPort,
    table: () => keeper.current,
    close() {
      closing ??= Promise.all([proxy.stop(config.shutdownGraceMs), closeServer(control)]).then(() => undefined);
      return closing;
    },
  };
}
