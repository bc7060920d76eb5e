import { formatDuration, type PushEvent } from '@paas/core';
import type { Store } from '../store/types.js';

/** Keeps a push's events as readable lines in the store, written in batches. */
export class BuildLog {
  #pending: string[] = [];
  #writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly buildId: string,
  ) {}

  record(event: PushEvent): void {
    const line = formatEvent(event);
    if (line === undefined) return;
    this.#pending.push(line);
    if (this.#pending.length >= 50) void this.flush();
  }

  flush(): Promise<void> {
    const lines = this.#pending;
    this.#pending = [];
    if (lines.length > 0) {
      this.#writing = this.#writing.then(() => this.store.appendBuildLog(this.buildId, lines)).catch(() => undefined);
    }
    return this.#writing;
  }
}

export function formatEvent(event: PushEvent): string | undefined {
  switch (event.type) {
    case 'build.step':
    case 'deploy.step':
      return `-----> ${event.step}`;
    case 'build.stage':
      return `-----> ${event.title}${event.cached ? ' (using cache)' : ''}`;
    case 'build.stage.done':
      return event.cached ? undefined : `       done in ${formatDuration(event.ms)}`;
    case 'log':
      return `       ${event.line}`;
    case 'warning':
      return ` !     warning: ${event.path ? `${event.path}: ` : ''}${event.message}`;
    case 'deploy.instance':
      return `       ${event.instance} ${event.state}`;
    case 'deploy.switch':
      return `-----> ${event.service} switched to ${event.release} (${event.targets} instance${event.targets === 1 ? '' : 's'})`;
    case 'done':
      return event.url !== undefined ? `-----> Live at ${event.url}` : `-----> Released ${event.release} (no web service: workers only)`;
    case 'error':
      return ` !     ${event.error.message}`;
    default:
      return undefined;
  }
}

