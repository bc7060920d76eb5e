import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Everything the router reads from the environment, in one place; nothing
 * else in the router touches process.env. Tests build a RouterConfig directly.
 */
export interface RouterConfig {
  /** Public listener. 0.0.0.0 by default: the router is the one process meant to face clients. */
  host: string;
  port: number;
  /** Control listener; always loopback, the API runs on the same machine. Default: port + 1, as the API and CLI assume. */
  controlHost: string;
  controlPort: number;
  /** Bearer token the control port requires. */
  token: string;
  /** `$PAAS_HOME/router/routes.json`: the last table, loaded at start. */
  stateFile: string;
  /** 1 = single process; >1 = node:cluster with that many proxy workers. */
  workers: number;
  /** Largest request body proxied (bytes); larger → 413. */
  maxBodyBytes: number;
  /** Client must finish sending headers within this (ms); else 408. */
  headersTimeoutMs: number;
  /** Client must finish sending the whole request within this (ms); else 408. 0 = no limit. */
  requestTimeoutMs: number;
  /** Idle keep-alive connections from clients are closed after this (ms). */
  keepAliveTimeoutMs: number;
  upstreamConnectTimeoutMs: number;
  /** Upstream must send response headers within this (ms); else 502 (504-like, logged UPSTREAM_FAILED). */
  upstreamHeadersTimeoutMs: number;
  /** Longest silence between two upstream body chunks (ms). */
  upstreamBodyTimeoutMs: number;
  /** Most pooled keep-alive connections to one target. */
  upstreamConnections: number;
  /** Consecutive failed connects before a target is taken out of rotation. */
  ejectAfterFailures: number;
  /** How long an ejected target stays out before it is tried again (ms). */
  ejectCooldownMs: number;
  /** On SIGTERM: how long in-flight requests may finish before the process exits (ms). */
  shutdownGraceMs: number;
  /** Where error lines go; stdout JSON lines by default. */
  log?: (entry: LogEntry) => void;
}

/** One error line. Never holds headers, bodies or query values. */
export interface LogEntry {
  time: string;
  level: 'error' | 'warn' | 'info';
  code: string;
  status?: number;
  host?: string;
  method?: string;
  path?: string;
  target?: string;
  message?: string;
}

export const defaultConfig = {
  host: '0.0.0.0',
  port: 8080,
  controlHost: '127.0.0.1',
  controlPort: 8081,
  workers: 1,
  maxBodyBytes: 10 * 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 5_000,
  upstreamConnectTimeoutMs: 2_000,
  upstreamHeadersTimeoutMs: 60_000,
  upstreamBodyTimeoutMs: 300_000,
  upstreamConnections: 256,
  ejectAfterFailures: 2,
  ejectCooldownMs: 2_000,
  shutdownGraceMs: 10_000,
} satisfies Partial<RouterConfig>;

/** Fills in defaults; tests pass only what they care about. */
export function routerConfig(partial: Partial<RouterConfig> & Pick<RouterConfig, 'token' | 'stateFile'>): RouterConfig {
  return { ...defaultConfig, ...partial };
}

function int(value: string | undefined, fallback: number, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RouterConfig {
  const token = env.PAAS_ROUTER_TOKEN ?? '';
  if (token.length < 16) {
    throw new Error('PAAS_ROUTER_TOKEN must be set (at least 16 characters): the control port refuses to run without it');
  }
  const home = env.PAAS_HOME || join(homedir(), '.paas');
  const port = int(env.PAAS_ROUTER_PORT, defaultConfig.port, 'PAAS_ROUTER_PORT', 0, 65535);
  return {
    ...defaultConfig,
    host: env.PAAS_ROUTER_HOST || defaultConfig.host,
    port,
    // apps/api and apps/cli default to the same "router port + 1".
    controlPort: int(env.PAAS_ROUTER_CONTROL_PORT, port === 0 ? 0 : port + 1, 'PAAS_ROUTER_CONTROL_PORT', 0, 65535),
    token,
    stateFile: join(home, 'router', 'routes.json'),
    workers: int(env.PAAS_ROUTER_WORKERS, defaultConfig.workers, 'PAAS_ROUTER_WORKERS', 1, 64),
    maxBodyBytes: int(env.PAAS_ROUTER_MAX_BODY_MB, 10, 'PAAS_ROUTER_MAX_BODY_MB', 0, 1 << 20) * 1024 * 1024,
    headersTimeoutMs: int(env.PAAS_ROUTER_HEADERS_TIMEOUT_MS, defaultConfig.headersTimeoutMs, 'PAAS_ROUTER_HEADERS_TIMEOUT_MS', 1),
    requestTimeoutMs: int(env.PAAS_ROUTER_REQUEST_TIMEOUT_MS, defaultConfig.requestTimeoutMs, 'PAAS_ROUTER_REQUEST_TIMEOUT_MS'),
    upstreamHeadersTimeoutMs: int(env.PAAS_ROUTER_UPSTREAM_TIMEOUT_MS, defaultConfig.upstreamHeadersTimeoutMs, 'PAAS_ROUTER_UPSTREAM_TIMEOUT_MS', 1),
    shutdownGraceMs: int(env.PAAS_ROUTER_SHUTDOWN_GRACE_MS, defaultConfig.shutdownGraceMs, 'PAAS_ROUTER_SHUTDOWN_GRACE_MS'),
  };
}
