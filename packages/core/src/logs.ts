/**
 * `paas logs`: the frames of the WebSocket GET /v1/apps/:app/logs, the build
 * log answer, and the parsing of what a user may ask for (`www.2`, `-n`,
 * `--since 10m`), shared by the CLI (checks before connecting) and the API
 * (checks before upgrading).
 */
import type { BuildInfo } from './api-types.js';
import { PaasError, type ErrorBody, type ErrorCode } from './errors.js';
import { SERVICE_NAME_RE } from './names.js';
import { MAX_INSTANCES } from './spec/index.js';

/** One line an instance wrote: one text frame of the logs WebSocket. */
export interface LogFrame {
  /** RFC 3339 in UTC with the engine's precision (nanoseconds), e.g. 2026-11-29T10:00:00.123456789Z. */
  time: string;
  /** e.g. "www.1" */
  instance: string;
  /** The release the instance runs, e.g. "v3". */
  release: string;
  stream: 'stdout' | 'stderr';
  /** The line without its newline. */
  text: string;
}

/** The last frame when not following; an error frame precedes a close with 1011. */
export type LogControlFrame = { type: 'end' } | { type: 'error'; error: ErrorBody };
export type LogServerFrame = LogFrame | LogControlFrame;

/** GET /v1/apps/:app/builds/:id/log (id `latest` for the newest build). */
export interface BuildLogAnswer {
  build: BuildInfo;
  lines: string[];
}

/** Lines per instance `paas logs` shows before following, unless -n says otherwise. */
export const DEFAULT_LOG_TAIL = 100;
/** The most lines per instance one request may ask for. */
export const MAX_LOG_TAIL = 100_000;

/** `www` (every instance of the service) or `www.2` (one instance). */
export interface LogTarget {
  service: string;
  index?: number;
}

const TARGET_RE = /^([^.]+)(?:\.(0|[1-9][0-9]*))?$/;

/** Parses `www` or `www.2`; throws `code` (USAGE in the CLI, BAD_REQUEST in the API). */
export function parseLogTarget(text: string, code: ErrorCode = 'BAD_REQUEST'): LogTarget {
  const m = TARGET_RE.exec(text);
  const service = m?.[1];
  if (m === null || service === undefined || !SERVICE_NAME_RE.test(service)) {
    throw new PaasError(code, `${JSON.stringify(text)} is not a service or an instance`, { hint: 'name a service (www) or one instance of it (www.2)' });
  }
  if (m[2] === undefined) return { service };
  const index = Number(m[2]);
  if (index < 1 || index > MAX_INSTANCES) {
    throw new PaasError(code, `${JSON.stringify(text)}: instances are numbered from 1 to ${MAX_INSTANCES}`, { hint: 'paas ps lists the instances' });
  }
  return { service, index };
}

/** Parses a line count (-n, ?tail=): a whole number from 0 to MAX_LOG_TAIL. */
export function parseLogTail(text: string, code: ErrorCode = 'BAD_REQUEST'): number {
  if (!/^(0|[1-9][0-9]{0,5})$/.test(text) || Number(text) > MAX_LOG_TAIL) {
    throw new PaasError(code, `the number of lines must be a whole number from 0 to ${MAX_LOG_TAIL}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_RE = /^(?:[0-9]{1,9}[smhd])+$/;
const RFC3339_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$/;

/**
 * `--since`: a duration back from `now` (30s, 10m, 2h, 1d, 1h30m) or an
 * RFC 3339 time (2026-11-29T10:00:00Z). Throws `code` for anything else.
 */
export function parseSince(text: string, now: Date = new Date(), code: ErrorCode = 'BAD_REQUEST'): Date {
  if (DURATION_RE.test(text)) {
    let ms = 0;
    for (const [, n, unit] of text.matchAll(/([0-9]+)([smhd])/g)) ms += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
    return new Date(now.getTime() - ms);
  }
  if (RFC3339_RE.test(text)) {
    const at = Date.parse(text.replace(' ', 'T'));
    if (Number.isFinite(at)) return new Date(at);
  }
  throw new PaasError(code, `--since ${JSON.stringify(text)}: expected a duration (30s, 10m, 2h, 1d) or an RFC 3339 time (2026-11-29T10:00:00Z)`);
}
