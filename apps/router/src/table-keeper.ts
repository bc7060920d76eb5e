import type { RouteTable } from '@paas/core';

export type PutOutcome<T> = { kind: 'applied'; value: T } | { kind: 'stale'; current: T };

/**
 * Owns one versioned document the control port replaces whole — the route
 * table, the certificate set — and its file. Updates run one at a time:
 * check the version, save, then install (`install` resolves once every
 * process serves it), so the API's next call — usually a drain of the old
 * targets — sees the switch done.
 */
export class VersionKeeper<T extends { version: number }> {
  #current: T;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    initial: T,
    private readonly save: (value: T) => Promise<void>,
    private readonly install: (value: T) => void | Promise<void>,
  ) {
    this.#current = initial;
  }

  get current(): T {
    return this.#current;
  }

  put(value: T): Promise<PutOutcome<T>> {
    const run = this.#queue.then(async (): Promise<PutOutcome<T>> => {
      if (value.version < this.#current.version) return { kind: 'stale', current: this.#current };
      await this.save(value);
      await this.install(value);
      this.#current = value;
      return { kind: 'applied', value };
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

export type TableKeeper = VersionKeeper<RouteTable>;
