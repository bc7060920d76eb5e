import type { ErrorBody, PushEvent } from '@paas/core';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { apiStream, toError } from '../api.js';
import { formatEvent } from '../format.js';
import { ErrorAlert } from './error-alert.js';

export interface LongAction {
  running: boolean;
  /** Whether a run happened at all (the panel shows from then on). */
  started: boolean;
  done: boolean;
  lines: string[];
  error: ErrorBody | null;
  /** Runs one streamed request; resolves true when it ended without an error. */
  run(method: string, path: string, body: unknown, title: string): Promise<boolean>;
}

/** A scale, rollback, env change or restart: its NDJSON events as progress lines while it runs. */
export function useLongAction(): LongAction {
  const [state, setState] = useState({ running: false, started: false, done: false, lines: [] as string[], error: null as ErrorBody | null });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);
  const run = useCallback(async (method: string, path: string, body: unknown, title: string): Promise<boolean> => {
    const ac = new AbortController();
    abort.current = ac;
    let error: ErrorBody | null = null;
    const lines = [`-----> ${title}`];
    setState({ running: true, started: true, done: false, lines: [...lines], error: null });
    const onEvent = (e: PushEvent): void => {
      if (e.type === 'error') error = e.error;
      lines.push(formatEvent(e));
      if (e.type === 'error' && e.logs) lines.push(...e.logs.map((l) => `       ${l}`));
      setState((s) => ({ ...s, lines: [...lines] }));
    };
    try {
      await apiStream(method, path, body, onEvent, ac.signal);
    } catch (err) {
      error = toError(err);
    }
    if (ac.signal.aborted) return false;
    setState({ running: false, started: true, done: true, lines: [...lines], error });
    return error === null;
  }, []);
  return { ...state, run };
}

export function Progress({ action }: { action: LongAction }) {
  if (!action.started) return null;
  return (
    <section class="progress-panel" aria-live="polite">
      <div class="console" data-testid="progress" data-done={action.done ? 'true' : 'false'} aria-busy={action.running}>
        {action.lines.map((l, i) => (
          <div key={i}>{l}</div>
        ))}
      </div>
      <ErrorAlert error={action.error} />
    </section>
  );
}
