import { PaasError } from '@paas/core';
import type { Store } from './store/types.js';

export type Release = () => Promise<void>;

/** The longest an operation waits for this process's housekeeping of the app before trying the lock as usual. */
const HOUSEKEEPING_WAIT_MS = 60_000;

/**
 * One operation (push, scale, restart, destroy, a reconcile pass) per app
 * at a time, across every API process on one database: the lock lives in
 * the store (a Postgres advisory lock, or its PGlite equivalent). A process
 * that dies releases its locks with its connection.
 */
export class AppLocks {
  constructor(
    private readonly store: Pick<Store, 'tryLockApp'>,
    private readonly waitMs = 500,
  ) {}

  /** Housekeeping of this process holding an app's lock (a reconcile pass, image pruning): an operation waits for it instead of failing. */
  readonly #housekeeping = new Map<string, Promise<void>>();

  /**
   * Runs background work (a reconcile pass, image pruning) under the app's lock when it is
   * free, and skips it when not. An operation that arrives meanwhile waits
   * until it is over: a user's second command in a row never gets
   * DEPLOY_LOCKED because of the first one's clean-up.
   */
  async housekeep(app: string, work: () => Promise<void>): Promise<boolean> {
    const release = await this.store.tryLockApp(app);
    if (!release) return false;
    const done = (async () => {
      try {
        await work();
      } finally {
        await release();
      }
    })();
    const settled = done.catch(() => undefined);
    this.#housekeeping.set(app, settled);
    try {
      await done;
    } finally {
      if (this.#housekeeping.get(app) === settled) this.#housekeeping.delete(app);
    }
    return true;
  }

  /** Takes the app's lock or returns null at once when it is held. */
  tryAcquire(app: string): Promise<Release | null> {
    return this.store.tryLockApp(app);
  }

  /**
   * Takes the app's lock: waits while this process's housekeeping (a
   * reconcile pass, image pruning) holds it, and briefly otherwise; throws
   * DEPLOY_LOCKED when another operation keeps it.
   */
  async acquire(app: string, what = 'operation'): Promise<Release> {
    const deadline = Date.now() + this.waitMs;
    const housekeepingDeadline = Date.now() + HOUSEKEEPING_WAIT_MS;
    for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
      const housekeeping = this.#housekeeping.get(app);
      const left = housekeepingDeadline - Date.now();
      if (housekeeping && left > 0) {
        await Promise.race([housekeeping, new Promise((r) => setTimeout(r, left).unref())]);
        continue;
      }
      const release = await this.store.tryLockApp(app);
      if (release) return release;
      if (this.#housekeeping.has(app) && housekeepingDeadline > Date.now()) continue;
      if (Date.now() + delay > deadline) break;
      await new Promise((r) => setTimeout(r, delay));
    }
    throw new PaasError('DEPLOY_LOCKED', `another push, rollback, scale or restart of ${app} is in progress (this ${what} did nothing)`, {
      hint: 'wait for it to finish, then try again',
    });
  }
}
