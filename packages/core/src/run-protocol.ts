import { PaasError, type ErrorBody } from './errors.js';
import { isServiceName } from './names.js';

/*
 * `paas run` over one WebSocket (docs/architecture.md "The run protocol"):
 * GET /v1/apps/:app/run?service=www&index=2&tty=1&cols=80&rows=24&argv=ls&argv=-l
 * Binary frames carry bytes: client → server is the process's stdin;
 * server → client starts with one byte naming the stream (RUN_STDOUT,
 * RUN_STDERR), then the bytes. Text frames carry one JSON control message.
 */

export const RUN_STDOUT = 1;
export const RUN_STDERR = 2;
/** The client sends stdin in frames of at most this many bytes (the API closes on frames over 64 KiB with 1009). */
export const RUN_STDIN_CHUNK = 32 * 1024;
/** Bounds of one command: arguments, and their bytes together. */
export const RUN_MAX_ARGS = 256;
export const RUN_MAX_ARGV_BYTES = 8 * 1024;

/** Client → server control messages. `eof` ends the process's stdin. */
export type RunClientMessage = { type: 'resize'; cols: number; rows: number } | { type: 'eof' };

/**
 * Server → client control messages: `started` once the process runs, `exit`
 * as the last message of a session that ran, `error` instead of it when the
 * process could not start or the session broke.
 */
export type RunServerMessage =
  | { type: 'started'; instance: string; oneOff: boolean }
  | { type: 'exit'; code: number }
  | { type: 'error'; error: ErrorBody };

export interface RunRequest {
  service: string;
  /** 1-based; undefined means the first running instance (or a one-off). */
  index?: number;
  tty: boolean;
  /** Empty: the service's login shell. */
  argv: string[];
  cols?: number;
  rows?: number;
  /** The client's TERM, passed on with a TTY. */
  term?: string;
}

/** The query string of a run request. */
export function runQuery(r: RunRequest): string {
  const q = new URLSearchParams({ service: r.service });
  if (r.index !== undefined) q.set('index', String(r.index));
  if (r.tty) q.set('tty', '1');
  if (r.cols !== undefined) q.set('cols', String(r.cols));
  if (r.rows !== undefined) q.set('rows', String(r.rows));
  if (r.term !== undefined) q.set('term', r.term);
  for (const a of r.argv) q.append('argv', a);
  return q.toString();
}

const TERM_RE = /^[A-Za-z0-9._+-]{1,64}$/;

function list(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function one(query: Record<string, unknown>, name: string): string | undefined {
  const values = list(query[name]);
  if (values.length > 1) throw new PaasError('BAD_REQUEST', `${name} given more than once`);
  const v = values[0];
  if (v !== undefined && typeof v !== 'string') throw new PaasError('BAD_REQUEST', `${name} must be text`);
  return v;
}

function wholeNumber(query: Record<string, unknown>, name: string, max: number): number | undefined {
  const v = one(query, name);
  if (v === undefined) return undefined;
  if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > max) throw new PaasError('BAD_REQUEST', `${name} must be a whole number from 1 to ${max}`);
  return Number(v);
}

/** Checks a run request's query (as a query parser left it: repeated keys become arrays). */
export function parseRunQuery(query: Record<string, unknown>): RunRequest {
  const service = one(query, 'service');
  if (service === undefined || !isServiceName(service)) throw new PaasError('BAD_REQUEST', 'service must name a service, e.g. service=www');
  const argv = list(query.argv);
  if (argv.some((a) => typeof a !== 'string' || a.includes('\0'))) throw new PaasError('BAD_REQUEST', 'argv must be text without NUL bytes');
  if (argv.length > RUN_MAX_ARGS || argv.reduce((n: number, a) => n + Buffer.byteLength(a as string), 0) > RUN_MAX_ARGV_BYTES) {
    throw new PaasError('BAD_REQUEST', `the command is over ${RUN_MAX_ARGS} arguments or ${RUN_MAX_ARGV_BYTES} bytes`, {
      hint: 'send a long script on stdin instead: paas run www -- sh < script.sh',
    });
  }
  const tty = one(query, 'tty');
  if (tty !== undefined && tty !== '0' && tty !== '1') throw new PaasError('BAD_REQUEST', 'tty must be 0 or 1');
  const term = one(query, 'term');
  if (term !== undefined && !TERM_RE.test(term)) throw new PaasError('BAD_REQUEST', 'term must be a terminal name like xterm-256color');
  const r: RunRequest = { service, tty: tty === '1', argv: argv as string[] };
  const index = wholeNumber(query, 'index', 99);
  const cols = wholeNumber(query, 'cols', 10_000);
  const rows = wholeNumber(query, 'rows', 10_000);
  if (index !== undefined) r.index = index;
  if (cols !== undefined) r.cols = cols;
  if (rows !== undefined) r.rows = rows;
  if (term !== undefined) r.term = term;
  return r;
}

/** A control message from the client, or null when the text is not one. */
export function parseRunClientMessage(text: string): RunClientMessage | null {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (m === null || typeof m !== 'object') return null;
  const { type, cols, rows } = m as Record<string, unknown>;
  if (type === 'eof') return { type };
  const size = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 10_000;
  if (type === 'resize' && size(cols) && size(rows)) return { type, cols, rows };
  return null;
}
