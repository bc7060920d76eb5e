import type { RouteTable } from '@paas/core';
import { saveTable } from './state-file.js';

export type PutOutcome = { kind: 'applied'; table: RouteTable } | { kind: 'stale'; current: RouteTable };

/**
 * Owns the current table and the state file. Updates run one at a time:
 * check the version, save, then install (`install` resolves once every
 * process serves the new table), so the API's next call — usually a drain
 * of the old targets — sees the switch done.
 */
export class TableKeeper {
  #current: RouteTable;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    initial: RouteTable,
    private readonly stateFile: string,
    private readonly install: (table: RouteTable) => void | Promise<void>,
  ) {
    this.#current = initial;
  }

  get current(): RouteTable {
    return this.#current;
  }

  put(table: RouteTable): Promise<PutOutcome> {
    const run = this.#queue.then(async (): Promise<PutOutcome> => {
      if (table.version < this.#current.version) return { kind: 'stale', current: this.#current };
      await saveTable(this.stateFile, table);
      await this.install(table);
      this.#current = table;
      return { kind: 'applied', table };
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
