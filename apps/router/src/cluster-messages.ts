import type { RouteTable, TlsSet } from '@paas/core';
import type { RouterConfig } from './config.js';

/** IPC between the primary (control port, state files) and proxy workers. */
export type WorkerConfig = Omit<RouterConfig, 'log'>;

/** What a worker serves from the start; later changes come one message each. */
export interface WorkerState {
  table: RouteTable;
  tls: TlsSet;
  challenges: Record<string, string>;
}

export type ToWorker =
  | ({ t: 'start'; config: WorkerConfig } & WorkerState)
  | { t: 'table'; seq: number; table: RouteTable }
  | { t: 'tls'; seq: number; tls: TlsSet }
  | { t: 'challenges'; seq: number; challenges: Record<string, string> }
  | { t: 'inflight'; seq: number; ids: string[] }
  | { t: 'stop'; graceMs: number };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'listening'; port: number; tlsPort: number | null }
  | { t: 'failed'; message: string }
  | { t: 'ok'; seq: number }
  | { t: 'inflight'; seq: number; n: number };
