import type { RouteTable } from '@paas/core';
import type { RouterConfig } from './config.js';

/** IPC between the primary (control port, state file) and proxy workers. */
export type WorkerConfig = Omit<RouterConfig, 'log'>;

export type ToWorker =
  | { t: 'start'; config: WorkerConfig; table: RouteTable }
  | { t: 'table'; seq: number; table: RouteTable }
  | { t: 'inflight'; seq: number; ids: string[] }
  | { t: 'stop'; graceMs: number };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'listening'; port: number }
  | { t: 'failed'; message: string }
  | { t: 'table-ok'; seq: number }
  | { t: 'inflight'; seq: number; n: number };
