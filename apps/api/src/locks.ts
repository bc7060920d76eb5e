import { PaasError } from '@paas/core';

/**
 * One deploy-like operation (push, destroy, scale, rollback) per app at a
 * time. In memory: one API process owns an engine, and a crash releases
 * every lock with the process (reconcile then marks interrupted work failed).
 */
export class AppLocks {
  readonly #held = new Set<string>();
  readonly #generation = new Map<string, number>();

  acquire(app: string): () => void {
    if (this.#held.has(app)) {
      throw new PaasError('DEPLOY_LOCKED', `another push, rollback or scale of ${app} is in progress`, {
        hint: 'wait for it to finish, then try again',
      });
    }
    this.#held.add(app);
    this.#generation.set(app, this.generation(app) + 1);
    let released = false;
    return () => {
      if (!released) this.#held.delete(app);
      released = true;
    };
  }

  /** Changes each time the app is locked: background work compares it to know its view is stale. */
  generation(app: string): number {
    return this.#generation.get(app) ?? 0;
  }

  isHeld(app: string): boolean {
    return this.#held.has(app);
  }
}
