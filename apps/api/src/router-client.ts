import { PaasError, type DrainResult, type RouteTable } from '@paas/core';

/** Talks to the router's control port; the router never talks back. */
export interface RouterControl {
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
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new PaasError('DEPLOY_FAILED', `the router's control port at ${this.baseUrl} does not answer`, {
        hint: 'check that the router runs (paas server status)',
        cause: err,
      });
    }
  }

  async putTable(table: RouteTable): Promise<void> {
    const res = await this.#call('PUT', '/routes', table, 10_000);
    // 409: the router already holds a newer table (another API wrote it); not ours to fight.
    if (!res.ok && res.status !== 409) {
      throw new PaasError('DEPLOY_FAILED', `the router refused the route table (HTTP ${res.status})`);
    }
    await res.body?.cancel();
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
