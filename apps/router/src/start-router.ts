import type { RouteTable } from '@paas/core';
import type { RouterConfig } from './config.js';
import { openControlPort } from './control-port.js';
import { loadInitialTable, loadInitialTlsSet } from './initial-table.js';
import { openListeners } from './listeners.js';
import { createLogger } from './log.js';
import { prepareSpoolDir } from './spool.js';

export interface RouterHandle {
  /** The public port (bound port when config.port was 0). */
  port: number;
  /** The HTTPS port; null when TLS is off or its port could not be had. */
  tlsPort: number | null;
  controlPort: number;
  /** Lets in-flight requests finish (up to config.shutdownGraceMs), then stops everything. */
  close(): Promise<void>;
  /** The table being served. */
  table(): RouteTable;
}

/** One process: proxy listeners and control port together. */
export async function startSingleRouter(config: RouterConfig): Promise<RouterHandle> {
  const log = createLogger(config);
  const table = await loadInitialTable(config.stateFile, log);
  const tls = await loadInitialTlsSet(config.tlsFile, log);
  const removeSpoolDir = await prepareSpoolDir(config.spoolDir);
  const { log: _log, ...plain } = config;
  // Serve the saved table before the control port even exists: the API may be down.
  const listeners = await openListeners(plain, log, table, tls);
  return openControlPort(config, log, { table, tls }, {
    port: listeners.port,
    tlsPort: listeners.tlsPort,
    install: (t) => listeners.installTable(t),
    installTls: (s) => listeners.installTls(s),
    setChallenges: (c) => listeners.setChallenges(c),
    inflight: (ids) => listeners.inflight(ids),
    stop: (graceMs) => listeners.stop(graceMs).then(removeSpoolDir),
  });
}
