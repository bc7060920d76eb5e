import { isPaasError, type TlsSet } from '@paas/core';
import type { TlsControl } from '../router-client.js';
import { shapeOf } from './tls-set.js';

/**
 * Sends certificate sets to the router, versioned like the route table:
 * versions continue from the router's own (read before the first push), a
 * stale answer re-reads the router's version and tries once more, and
 * check() sends the set again when the router serves something else (it
 * restarted without its state, or another writer moved it on).
 */
export class TlsPusher {
  #version: number | undefined;
  #pushing: Promise<void> = Promise.resolve();

  constructor(private readonly control: TlsControl) {}

  get version(): number | undefined {
    return this.#version;
  }

  /** Pushes the set; resolves once the router holds it. Pushes run one after another. */
  push(set: Omit<TlsSet, 'version'>): Promise<void> {
    const run = this.#pushing.then(() => this.#send(set));
    this.#pushing = run.catch(() => undefined);
    return run;
  }

  /** Pushes the set when the router's differs from it (or its version from ours). Returns whether it pushed. */
  async check(set: Omit<TlsSet, 'version'>): Promise<boolean> {
    const summary = await this.control.getTls();
    if (this.#version !== undefined && summary.version === this.#version && shapeOf(summary) === shapeOf(set)) return false;
    await this.push(set);
    return true;
  }

  async #send(set: Omit<TlsSet, 'version'>): Promise<void> {
    if (this.#version === undefined) this.#version = (await this.control.getTls()).version;
    for (let attempt = 1; ; attempt++) {
      const version = (this.#version ?? 0) + 1;
      try {
        await this.control.putTls({ ...set, version });
        this.#version = version;
        return;
      } catch (err) {
        if (!isPaasError(err) || err.code !== 'TABLE_STALE' || attempt >= 2) throw err;
        const current = await this.control.getTls();
        this.#version = Math.max(this.#version ?? 0, current.version);
      }
    }
  }
}
