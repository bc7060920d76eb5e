import { Pool } from 'undici';
import type { RouteTarget } from '@paas/core';
import type { RouterConfig } from './config.js';

export type PoolOptions = Pick<
  RouterConfig,
  'upstreamConnectTimeoutMs' | 'upstreamHeadersTimeoutMs' | 'upstreamBodyTimeoutMs' | 'upstreamConnections' | 'ejectAfterFailures' | 'ejectCooldownMs'
>;

/**
 * One upstream instance: its keep-alive pool, what is in flight to it, and
 * whether failed connects have taken it out of rotation for a while.
 */
export class Target {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly origin: string;
  /** Requests plus open WebSockets; what /drain waits on. */
  inflight = 0;
  /** Open WebSockets (also counted in inflight). */
  sockets = 0;
  /** Epoch ms until which the target is skipped; 0 = in rotation. */
  ejectedUntil = 0;
  #failures = 0;
  #pool: Pool | null = null;
  #retired = false;
  readonly #options: PoolOptions;

  constructor(target: RouteTarget, options: PoolOptions) {
    this.id = target.id;
    this.host = target.host;
    this.port = target.port;
    this.origin = `http://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
    this.#options = options;
  }

  get pool(): Pool {
    this.#pool ??= this.#newPool();
    return this.#pool;
  }

  #newPool(): Pool {
    const o = this.#options;
    return new Pool(this.origin, {
      connections: o.upstreamConnections,
      pipelining: 1,
      connectTimeout: o.upstreamConnectTimeoutMs,
      headersTimeout: o.upstreamHeadersTimeoutMs,
      bodyTimeout: o.upstreamBodyTimeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  sameAddress(t: RouteTarget): boolean {
    return t.host === this.host && t.port === this.port;
  }

  isHealthy(now: number): boolean {
    return this.ejectedUntil === 0 || this.ejectedUntil <= now;
  }

  recordConnectFailure(now: number): void {
    this.#failures += 1;
    if (this.#failures >= this.#options.ejectAfterFailures) {
      // After the cool-down one request probes it; one more failure ejects it again.
      this.#failures = this.#options.ejectAfterFailures - 1;
      this.ejectedUntil = now + this.#options.ejectCooldownMs;
    }
  }

  recordSuccess(): void {
    if (this.#failures !== 0 || this.ejectedUntil !== 0) {
      this.#failures = 0;
      this.ejectedUntil = 0;
    }
  }

  acquire(): void {
    this.inflight += 1;
  }

  release(): void {
    this.inflight -= 1;
    if (this.#retired && this.inflight === 0) this.#closePool();
  }

  /** No table routes here any more: close the pool once the last request is done. */
  retire(): void {
    this.#retired = true;
    if (this.inflight === 0) this.#closePool();
  }

  get isRetired(): boolean {
    return this.#retired;
  }

  revive(): void {
    this.#retired = false;
  }

  #closePool(): void {
    this.#pool?.close().catch(() => undefined);
    this.#pool = null;
  }

  /** Shutdown: drop every connection now. */
  async destroy(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    await pool?.destroy().catch(() => undefined);
  }
}
