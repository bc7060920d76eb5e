import { PaasError, type AcmeChallenges, type DrainResult, type RouteTable, type TlsSet, type TlsSummary } from '@paas/core';

/** Talks to the router's control port; the router never talks back. */
export interface RouterControl {
  /** The table the router serves now (its version continues ours). */
  getTable(): Promise<RouteTable>;
  /** Throws TABLE_STALE when the router holds a newer table. */
  putTable(table: RouteTable): Promise<void>;
  drain(targets: string[], timeoutMs: number): Promise<DrainResult>;
}

/** The router's certificates and ACME challenges (apps/api/src/tls). */
export interface TlsControl {
  /** What the router serves now, without keys (its version continues ours). */
  getTls(): Promise<TlsSummary>;
  /** Throws TABLE_STALE when the router holds a newer set. Never puts a key in an error. */
  putTls(set: TlsSet): Promise<void>;
  /** Replaces every pending HTTP-01 answer. */
  putChallenges(challenges: AcmeChallenges): Promise<void>;
}

export class HttpRouterControl implements RouterControl, TlsControl {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async #call(method: string, path: string, body: unknown, timeoutMs: number): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new PaasError('DEPLOY_FAILED', `the router's control port at ${this.baseUrl} does not answer`, {
        hint: 'check that the router runs (paas server status)',
        cause: err,
      });
    }
  }

  async getTable(): Promise<RouteTable> {
    const res = await this.#call('GET', '/routes', undefined, 10_000);
    if (!res.ok) {
      await res.body?.cancel();
      throw new PaasError('DEPLOY_FAILED', `the router did not give its route table (HTTP ${res.status})`, {
        hint: 'check PAAS_ROUTER_TOKEN: the API and the router must share it',
      });
    }
    return (await res.json()) as RouteTable;
  }

  async putTable(table: RouteTable): Promise<void> {
    const res = await this.#call('PUT', '/routes', table, 10_000);
    await res.body?.cancel();
    if (res.status === 409) {
      throw new PaasError('TABLE_STALE', `the router holds a newer route table than version ${table.version}`, {
        hint: 'another API process writes to this router; the next change continues from its version',
      });
    }
    if (!res.ok) throw new PaasError('DEPLOY_FAILED', `the router refused the route table (HTTP ${res.status})`);
  }

  async drain(targets: string[], timeoutMs: number): Promise<DrainResult> {
    const res = await this.#call('POST', '/drain', { targets, timeoutMs }, timeoutMs + 5_000);
    if (!res.ok) {
      await res.body?.cancel();
      return { drained: false, inflight: -1 };
    }
    return (await res.json()) as DrainResult;
  }

  async getTls(): Promise<TlsSummary> {
    const res = await this.#call('GET', '/tls', undefined, 10_000);
    if (!res.ok) {
      await res.body?.cancel();
      throw new PaasError('DEPLOY_FAILED', `the router did not give its certificates (HTTP ${res.status})`, {
        hint: 'check PAAS_ROUTER_TOKEN: the API and the router must share it',
      });
    }
    return (await res.json()) as TlsSummary;
  }

  async putTls(set: TlsSet): Promise<void> {
    const res = await this.#call('PUT', '/tls', set, 10_000);
    // The router's answer is read only for its error code: it never echoes keys.
    const text = await res.text().catch(() => '');
    if (res.status === 409) {
      throw new PaasError('TABLE_STALE', `the router holds a newer certificate set than version ${set.version}`, {
        hint: 'another API process writes to this router; the next change continues from its version',
      });
    }
    if (!res.ok) throw new PaasError('DEPLOY_FAILED', `the router refused the certificate set (HTTP ${res.status}${routerCode(text)})`);
  }

  async putChallenges(challenges: AcmeChallenges): Promise<void> {
    const res = await this.#call('PUT', '/acme-challenges', challenges, 10_000);
    await res.body?.cancel();
    if (!res.ok) throw new PaasError('DEPLOY_FAILED', `the router refused the ACME challenges (HTTP ${res.status})`);
  }
}

/** `: CODE path: message` from a router error body (the router never puts a key or certificate in one). */
function routerCode(text: string): string {
  try {
    const body = JSON.parse(text) as { code?: unknown; path?: unknown; message?: unknown };
    if (typeof body.code !== 'string' || !/^[A-Z_]{1,40}$/.test(body.code)) return '';
    const path = typeof body.path === 'string' && /^[\w.]{0,60}$/.test(body.path) && body.path !== '' ? ` ${body.path}` : '';
    const message = typeof body.message === 'string' && !body.message.includes('-----') ? `: ${body.message.slice(0, 160)}` : '';
    return `: ${body.code}${path}${message}`;
  } catch {
    return '';
  }
}
