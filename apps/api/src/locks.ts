import { PaasError } from '@paas/core';
import type { Store } from './store/types.js';

export type Release = () => Promise<void>;

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

  /** Takes the app's lock or returns null at once when it is held. */
  tryAcquire(app: string): Promise<Release | null> {
    return this.store.tryLockApp(app);
  }

  /**
   * Takes the app's lock, waiting briefly (a reconcile pass holds it for
   * milliseconds); throws DEPLOY_LOCKED when another operation keeps it.
   */
  async acquire(app: string, what = 'operation'): Promise<Release> {
    const deadline = Date.now() + this.waitMs;
    for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
      const release = await this.store.tryLockApp(app);
      if (release) return release;
      if (Date.now() + delay > deadline) break;
      await new Promise((r) => setTimeout(r, delay));
    }
    throw new PaasError('DEPLOY_LOCKED', `another push, rollback, scale or restart of ${app} is in progress (this ${what} did nothing)`, {
      hint: 'wait for it to finish, then try again',
    });
  }
}
