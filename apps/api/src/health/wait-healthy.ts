import { formatSeconds } from '../runtime/format-seconds.js';
import { probeHttp } from './probe-http.js';

export const DEFAULT_WORKER_ALIVE_MS = 3000;
const DEFAULT_REQUEST_TIMEOUT_MS = 2000;
const DEFAULT_WORKER_INTERVAL_MS = 250;

interface Liveness {
  /** False once the instance has exited (crash on boot): the check stops at once. */
  isAlive?: () => Promise<boolean>;
  /** Says why it died, e.g. "www.1 exited with code 1 before becoming healthy". */
  exitReason?: () => Promise<string>;
  /** "www.1", for the default reasons. */
  name?: string;
}

export interface HttpHealthCheck extends Liveness {
  kind: 'http';
  host: string;
  /** Where to connect (the published host port). */
  port: number;
  path: string;
  timeoutMs: number;
  intervalMs: number;
  signal?: AbortSignal;
  /** The port the app listens on inside its container, named in reasons; defaults to port. */
  appPort?: number;
  requestTimeoutMs?: number;
  /** Any answer below 500 counts by default: the app is up, even if / redirects or needs auth. */
  isHealthyStatus?: (status: number) => boolean;
}

export interface WorkerHealthCheck extends Liveness {
  kind: 'worker';
  /** Healthy when still running after this long; at most timeoutMs. */
  aliveForMs?: number;
  timeoutMs: number;
  isAlive: () => Promise<boolean>;
  intervalMs?: number;
  signal?: AbortSignal;
}

export type HealthCheck = HttpHealthCheck | WorkerHealthCheck;
export type HealthResult = { healthy: true } | { healthy: false; reason: string };

const CANCELLED: HealthResult = { healthy: false, reason: 'the health check was cancelled' };

export function waitHealthy(check: HealthCheck): Promise<HealthResult> {
  return check.kind === 'http' ? waitHttp(check) : waitWorker(check);
}

/** While an app boots, probes come this often: most apps listen within a few hundred ms, and a refused connect costs nothing. */
const BOOT_INTERVAL_MS = 50;
const BOOT_WINDOW_MS = 3_000;
const ALIVE_EVERY_MS = 250;

async function waitHttp(check: HttpHealthCheck): Promise<HealthResult> {
  const started = Date.now();
  const deadline = started + check.timeoutMs;
  let aliveCheckedAt = 0;
  const isHealthy = check.isHealthyStatus ?? ((status: number) => status < 500);
  let lastStatus: number | undefined;
  for (;;) {
    if (check.signal?.aborted) return CANCELLED;
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const probe = await probeHttp(check.host, check.port, check.path,
      Math.min(check.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, remaining), check.signal);
    if ('status' in probe) {
      if (isHealthy(probe.status)) return { healthy: true };
      lastStatus = probe.status;
    }
    // Asking the engine whether it still runs costs more than a probe: at most every 250 ms.
    if (check.isAlive && Date.now() - aliveCheckedAt >= ALIVE_EVERY_MS) {
      aliveCheckedAt = Date.now();
      if (!(await check.isAlive())) return { healthy: false, reason: await exitReason(check) };
    }
    const interval = Date.now() - started < BOOT_WINDOW_MS ? Math.min(BOOT_INTERVAL_MS, check.intervalMs) : check.intervalMs;
    if (!(await sleepUntil(Math.min(Date.now() + interval, deadline), check.signal))) return CANCELLED;
  }
  if (lastStatus !== undefined) return { healthy: false, reason: `GET ${check.path} answered ${lastStatus}` };
  // The port inside the container, the one the app was told in $PORT: the published host port means nothing to the app.
  const where = check.appPort === undefined ? `port ${check.port}` : `its $PORT (${check.appPort})`;
  return {
    healthy: false,
    reason: `no answer on ${where} within ${formatSeconds(check.timeoutMs)}; is it listening on 0.0.0.0:$PORT?`,
  };
}

async function waitWorker(check: WorkerHealthCheck): Promise<HealthResult> {
  const until = Date.now() + Math.min(check.aliveForMs ?? DEFAULT_WORKER_ALIVE_MS, check.timeoutMs);
  for (;;) {
    if (!(await check.isAlive())) return { healthy: false, reason: await exitReason(check) };
    if (Date.now() >= until) return { healthy: true };
    const next = Math.min(Date.now() + (check.intervalMs ?? DEFAULT_WORKER_INTERVAL_MS), until);
    if (!(await sleepUntil(next, check.signal))) return CANCELLED;
  }
}

async function exitReason(check: Liveness): Promise<string> {
  if (check.exitReason) return check.exitReason();
  return `${check.name ?? 'the instance'} exited before becoming healthy`;
}

/** Resolves false when aborted. */
function sleepUntil(when: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => { clearTimeout(timer); resolve(false); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(true); }, Math.max(0, when - Date.now()));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
