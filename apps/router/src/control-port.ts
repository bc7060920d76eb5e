import type { RouteTable, TlsSet } from '@paas/core';
import type { RouterConfig } from './config.js';
import { createControlServer } from './control.js';
import { closeServer, listen } from './listen.js';
import type { Logger } from './log.js';
import type { RouterHandle } from './start-router.js';
import { saveState } from './state-file.js';
import { VersionKeeper } from './table-keeper.js';

/** The proxy side of a router, one process or a fleet of workers, already serving. */
export interface ServingProxy {
  port: number;
  tlsPort: number | null;
  install(table: RouteTable): void | Promise<void>;
  installTls(set: TlsSet): void | Promise<void>;
  setChallenges(challenges: Record<string, string>): void | Promise<void>;
  inflight(ids: ReadonlySet<string>): number | Promise<number>;
  stop(graceMs: number): Promise<void>;
}

/**
 * What both modes share once the proxy serves the saved table and
 * certificates: the keepers of their files, the control port, and the
 * handle. If the control port cannot be had, the proxy is stopped again.
 */
export async function openControlPort(config: RouterConfig, log: Logger, initial: { table: RouteTable; tls: TlsSet }, proxy: ServingProxy): Promise<RouterHandle> {
  const keeper = new VersionKeeper(initial.table, (t) => saveState(config.stateFile, t), (t) => proxy.install(t));
  const tlsKeeper = new VersionKeeper(initial.tls, (s) => saveState(config.tlsFile, s), (s) => proxy.installTls(s));
  const control = createControlServer({
    token: config.token,
    keeper,
    tlsKeeper,
    tlsPort: proxy.tlsPort,
    setChallenges: (c) => proxy.setChallenges(c),
    inflight: (ids) => proxy.inflight(ids),
    log,
  });
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
    tlsPort: proxy.tlsPort,
    controlPort,
    table: () => keeper.current,
    close() {
      closing ??= Promise.all([proxy.stop(config.shutdownGraceMs), closeServer(control)]).then(() => undefined);
      return closing;
    },
  };
}
