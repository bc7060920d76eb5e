import type { RouteTable } from '@paas/core';
import type { Logger } from './log.js';
import { emptyTable } from './route-table.js';
import { loadTable } from './state-file.js';

/** The saved table, so a restarted router serves at once; an unusable file is logged and ignored. */
export async function loadInitialTable(stateFile: string, log: Logger): Promise<RouteTable> {
  const loaded = await loadTable(stateFile);
  if (loaded.table !== null) {
    log({ level: 'info', code: 'TABLE_LOADED', message: `version ${loaded.table.version}, ${Object.keys(loaded.table.routes).length} hosts` });
    return loaded.table;
  }
  log({ level: loaded.problem === 'no saved table' ? 'info' : 'error', code: 'TABLE_NOT_LOADED', message: loaded.problem });
  return emptyTable;
}
