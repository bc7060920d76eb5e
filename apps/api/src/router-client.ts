import { PaasError, type DrainResult, type RouteTable } from '@paas/core';

/** Talks to the router's control port; the router never talks back. */
export interface RouterControl {
  /** The table the router serves now (its version continues ours). */
  getTable(): Promise<RouteTable>;
  /** Throws TABLE_STALE when the router holds a newer table. */
  putTable(table: RouteTable): Promise<void>;
  drain(targets: string[], timeoutMs: number): Promise<DrainResult>;
}

export class HttpRouterControl implements RouterControl {
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
}
