import type { InstanceInfo } from '@paas/core';

/** CPU and memory of one instance, read apart from its state (an engine call each). */
export type Figures = Pick<InstanceInfo, 'cpuPercent' | 'memoryBytes' | 'memoryLimitBytes'>;

export interface LiveDeps {
  /** The app's instances now, without CPU and memory (cheap: one engine list). */
  list(): Promise<InstanceInfo[]>;
  /** CPU and memory of the running ones, by instance name (slow: one engine call each). */
  stats(instances: InstanceInfo[]): Promise<Map<string, Figures>>;
  /** Calls `wake` on each engine event of the app until the returned function is called. */
  subscribe(wake: () => void): () => void;
  send(instances: InstanceInfo[]): Promise<void>;
  signal: AbortSignal;
  /** Re-list this often besides events: the deployer's and the router's states (starting, draining, unhealthy) raise no engine event. */
  tickMs?: number;
  /** Refresh CPU and memory this often. */
  statsMs?: number;
}

/** What a watcher compares: the states, not the ever-changing uptime and figures. */
function fingerprint(list: InstanceInfo[]): string {
  return JSON.stringify(list.map((i) => [i.name, i.release, i.state, i.restarts, i.exitCode, i.address ?? '', i.node ?? '', i.reason ?? '']));
}

/**
 * The live `paas ps` behind the dashboard: sends the list at once, again as
 * soon as an engine event of the app says something changed (the list is
 * re-read then, so a burst of events costs one read), after any change the
 * periodic re-read finds, and with fresh CPU and memory now and then.
 * Resolves when `signal` aborts.
 */
export async function liveInstances(deps: LiveDeps): Promise<void> {
  const { signal } = deps;
  const tickMs = deps.tickMs ?? 1_000;
  const statsMs = deps.statsMs ?? 5_000;
  let last = '';
  let figures = new Map<string, Figures>();
  let lastStats = 0;
  let statsRunning = false;
  let statsFresh = false;
  let wanted = true;
  let wake: (() => void) | null = null;
  const again = (): void => {
    wanted = true;
    wake?.();
  };
  // Figures are read beside the loop, so that a slow engine call never delays a state change.
  const refreshStats = (list: InstanceInfo[]): void => {
    statsRunning = true;
    lastStats = Date.now();
    deps.stats(list).then(
      (f) => {
        // No figures before or now (nothing running): nothing new to send.
        if (f.size === 0 && figures.size === 0) return void (statsRunning = false);
        figures = f;
        statsFresh = true;
        statsRunning = false;
        again();
      },
      () => (statsRunning = false),
    );
  };
  const unsubscribe = deps.subscribe(again);
  signal.addEventListener('abort', () => wake?.(), { once: true });
  try {
    let timer: NodeJS.Timeout | undefined;
    while (!signal.aborted) {
      if (wanted) {
        wanted = false;
        const list = await deps.list().catch(() => null);
        if (list !== null && !signal.aborted) {
          if (!statsRunning && Date.now() - lastStats >= statsMs) refreshStats(list);
          const print = fingerprint(list);
          if (print !== last || statsFresh) {
            last = print;
            statsFresh = false;
            await deps.send(list.map((i) => ({ ...i, ...(figures.get(i.name) ?? {}) })));
          }
        }
      }
      if (signal.aborted) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        if (wanted) return resolve();
        timer = setTimeout(again, tickMs);
      });
      clearTimeout(timer);
      wake = null;
    }
  } finally {
    unsubscribe();
  }
}
