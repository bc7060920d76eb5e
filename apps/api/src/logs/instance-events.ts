import type { Runtime, RuntimeEvent } from '../runtime/types.js';

export type EventListener = (event: RuntimeEvent) => void;

/** Where log sessions hear that an instance of their app started. */
export interface EventSource {
  /** Calls `listener` with the app's instance events until the returned function is called. */
  subscribe(app: string, listener: EventListener): () => void;
}

/**
 * One subscription to the engine's events, shared by every open `paas logs`
 * (instead of one per WebSocket): opened with the first listener, closed with
 * the last. Events only wake the sessions; each session also re-lists now and
 * then, so an event missed while the engine was away costs nothing.
 */
export class InstanceEvents implements EventSource {
  readonly #listeners = new Map<string, Set<EventListener>>();
  #abort: AbortController | null = null;

  constructor(
    private readonly runtime: Pick<Runtime, 'events'>,
    private readonly retryMs = 2_000,
  ) {}

  subscribe(app: string, listener: EventListener): () => void {
    let set = this.#listeners.get(app);
    if (!set) this.#listeners.set(app, (set = new Set()));
    set.add(listener);
    if (!this.#abort) this.#start();
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(app);
      if (this.#listeners.size === 0) this.close();
    };
  }

  close(): void {
    this.#abort?.abort();
    this.#abort = null;
  }

  #start(): void {
    const abort = new AbortController();
    this.#abort = abort;
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          for await (const event of this.runtime.events(abort.signal)) {
            for (const listener of this.#listeners.get(event.app) ?? []) listener(event);
          }
        } catch {
          // The engine went away: sessions keep their streams and re-list; try again shortly.
        }
        if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, this.retryMs).unref());
      }
    })();
  }
}
