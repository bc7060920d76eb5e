import { homedir, tmpdir } from 'node:os';
import { isIP } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';

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
  /**
   * HTTPS listener on `host` (SNI picks the certificate). null = no TLS
   * listener (`PAAS_ROUTER_TLS_PORT=off`); 0 = any free port (tests).
   */
  tlsPort: number | null;
  /** `$PAAS_HOME/router/tls.json` (0600): the last certificate set, loaded at start. routerConfig puts it next to stateFile. */
  tlsFile: string;
  /**
   * Peers (IPs or CIDRs) whose X-Forwarded-For / Forwarded / X-Real-IP are
   * believed and appended to; from anyone else those headers are replaced.
   */
  trustedProxies: string[];
  /** Longest silence while a request body arrives (ms); then 408 (or a cut connection once answering). 0 = off. */
  bodyIdleMs: number;
  /**
   * Request bodies are read whole before the upstream request is opened
   * (nginx's proxy_request_buffering), so a slow client never holds an app
   * connection: up to this many bytes in memory, larger ones in a file
   * under spoolDir.
   */
  bodyBufferBytes: number;
  /**
   * Where request bodies over bodyBufferBytes are spooled (files 0600). The
   * router creates it at start if missing, and removes it at close if it
   * created it.
   */
  spoolDir: string;
  /**
   * Response bytes the router may hold for a slow client while it keeps
   * reading from the app at full speed; past this the app is paused until
   * the client catches up. 0 = pause as soon as the client's socket is
   * full (pure backpressure).
   */
  responseBufferBytes: number;
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
  /**
   * An idempotent request whose connection was reset before any response
   * byte is retried after a random wait of up to this long (ms); 0 = at once.
   */
  retryJitterMs: number;
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

export const defaultConfig: Omit<RouterConfig, 'token' | 'stateFile' | 'tlsFile'> = {
  host: '0.0.0.0',
  port: 8080,
  controlHost: '127.0.0.1',
  controlPort: 8081,
  tlsPort: 8443,
  trustedProxies: [],
  bodyIdleMs: 10_000,
  bodyBufferBytes: 64 * 1024,
  spoolDir: join(tmpdir(), `paas-router-spool-${process.pid}`),
  responseBufferBytes: 16 * 1024 * 1024,
  workers: 1,
  maxBodyBytes: 100 * 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 300_000,
  keepAliveTimeoutMs: 5_000,
  upstreamConnectTimeoutMs: 2_000,
  upstreamHeadersTimeoutMs: 60_000,
  upstreamBodyTimeoutMs: 300_000,
  upstreamConnections: 256,
  retryJitterMs: 100,
  ejectAfterFailures: 2,
  ejectCooldownMs: 2_000,
  shutdownGraceMs: 10_000,
};

/** Fills in defaults; tests pass only what they care about. */
export function routerConfig(partial: Partial<RouterConfig> & Pick<RouterConfig, 'token' | 'stateFile'>): RouterConfig {
  return { ...defaultConfig, tlsFile: join(dirname(partial.stateFile), 'tls.json'), ...partial };
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
  const tls = env.PAAS_ROUTER_TLS_PORT;
  return {
    ...defaultConfig,
    host: env.PAAS_ROUTER_HOST || defaultConfig.host,
    port,
    // apps/api and apps/cli default to the same "router port + 1".
    controlPort: int(env.PAAS_ROUTER_CONTROL_PORT, port === 0 ? 0 : port + 1, 'PAAS_ROUTER_CONTROL_PORT', 0, 65535),
    token,
    stateFile: join(home, 'router', 'routes.json'),
    tlsFile: join(home, 'router', 'tls.json'),
    // `off` turns HTTPS off; 0 keeps its usual meaning (any free port), as for PAAS_ROUTER_PORT.
    tlsPort: tls === 'off' ? null : int(tls, port === 0 ? 0 : 8443, 'PAAS_ROUTER_TLS_PORT (or off)', 0, 65535),
    trustedProxies: parseTrustedProxies(env.PAAS_ROUTER_TRUSTED_PROXIES ?? ''),
    bodyIdleMs: int(env.PAAS_ROUTER_BODY_IDLE_MS, defaultConfig.bodyIdleMs, 'PAAS_ROUTER_BODY_IDLE_MS'),
    bodyBufferBytes: int(env.PAAS_ROUTER_BODY_BUFFER_KB, defaultConfig.bodyBufferBytes / 1024, 'PAAS_ROUTER_BODY_BUFFER_KB', 0, 1 << 20) * 1024,
    spoolDir: spoolDir(env.PAAS_ROUTER_SPOOL_DIR),
    responseBufferBytes: int(env.PAAS_ROUTER_RESPONSE_BUFFER_KB, defaultConfig.responseBufferBytes / 1024, 'PAAS_ROUTER_RESPONSE_BUFFER_KB', 0, 1 << 20) * 1024,
    workers: int(env.PAAS_ROUTER_WORKERS, defaultConfig.workers, 'PAAS_ROUTER_WORKERS', 1, 64),
    maxBodyBytes: int(env.PAAS_ROUTER_MAX_BODY_MB, 100, 'PAAS_ROUTER_MAX_BODY_MB', 0, 1 << 20) * 1024 * 1024,
    headersTimeoutMs: int(env.PAAS_ROUTER_HEADERS_TIMEOUT_MS, defaultConfig.headersTimeoutMs, 'PAAS_ROUTER_HEADERS_TIMEOUT_MS', 1),
    requestTimeoutMs: int(env.PAAS_ROUTER_REQUEST_TIMEOUT_MS, defaultConfig.requestTimeoutMs, 'PAAS_ROUTER_REQUEST_TIMEOUT_MS'),
    upstreamHeadersTimeoutMs: int(env.PAAS_ROUTER_UPSTREAM_TIMEOUT_MS, defaultConfig.upstreamHeadersTimeoutMs, 'PAAS_ROUTER_UPSTREAM_TIMEOUT_MS', 1),
    retryJitterMs: int(env.PAAS_ROUTER_RETRY_JITTER_MS, defaultConfig.retryJitterMs, 'PAAS_ROUTER_RETRY_JITTER_MS', 0, 10_000),
    shutdownGraceMs: int(env.PAAS_ROUTER_SHUTDOWN_GRACE_MS, defaultConfig.shutdownGraceMs, 'PAAS_ROUTER_SHUTDOWN_GRACE_MS'),
  };
}

function spoolDir(value: string | undefined): string {
  if (value === undefined || value === '') return defaultConfig.spoolDir;
  if (!isAbsolute(value)) throw new Error(`PAAS_ROUTER_SPOOL_DIR must be an absolute path, got ${JSON.stringify(value)}`);
  return value;
}

/** `10.0.0.1, 10.1.0.0/16, fd00::/8` → the list, each checked (a typo must not silently trust nobody or everybody). */
export function parseTrustedProxies(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const [address, bits, extra] = item.split('/');
    const family = isIP(address ?? '');
    const max = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max))) {
      throw new Error(`PAAS_ROUTER_TRUSTED_PROXIES: ${JSON.stringify(item)} is not an IP address or CIDR range`);
    }
    out.push(item);
  }
  return out;
}
