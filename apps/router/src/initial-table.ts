import type { RouteTable, TlsSet } from '@paas/core';
import type { Logger } from './log.js';
import { emptyTable } from './route-table.js';
import { loadTable, loadTlsSet } from './state-file.js';
import { emptyTlsSet } from './tls-set.js';

/** The saved table, so a restarted router serves at once; an unusable file is logged and ignored. */
export async function loadInitialTable(stateFile: string, log: Logger): Promise<RouteTable> {
  const loaded = await loadTable(stateFile);
  if (loaded.value !== null) {
    log({ level: 'info', code: 'TABLE_LOADED', message: `version ${loaded.value.version}, ${Object.keys(loaded.value.routes).length} hosts` });
    return loaded.value;
  }
  log({ level: loaded.problem === 'none saved' ? 'info' : 'error', code: 'TABLE_NOT_LOADED', message: loaded.problem });
  return emptyTable;
}

/** The saved certificate set, so a restarted router serves HTTPS at once; the same rules as the table. */
export async function loadInitialTlsSet(tlsFile: string, log: Logger): Promise<TlsSet> {
  const loaded = await loadTlsSet(tlsFile);
  if (loaded.value !== null) {
    log({ level: 'info', code: 'TLS_LOADED', message: `version ${loaded.value.version}, ${loaded.value.certificates.length} certificates` });
    return loaded.value;
  }
  log({ level: loaded.problem === 'none saved' ? 'info' : 'error', code: 'TLS_NOT_LOADED', message: loaded.problem });
  return emptyTlsSet;
}
