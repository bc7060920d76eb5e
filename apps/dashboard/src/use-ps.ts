import type { ErrorBody, InstanceInfo } from '@paas/core';
import { useEffect, useState } from 'preact/hooks';
import { api, appApi, toError } from './api.js';

/** Wait before opening the stream again once the browser gave up on it. */
const RETRY_MS = 5_000;

/**
 * The app's instances, live: GET …/ps as server-sent events (`event: ps`
 * each time they change). The browser reconnects by itself after a drop; a
 * refusal (401, 404) closes the stream for good, so the same URL is asked
 * once as JSON to learn why.
 */
export function usePs(app: string, initial: InstanceInfo[] | null): { instances: InstanceInfo[] | null; error: ErrorBody | null } {
  const [instances, setInstances] = useState<InstanceInfo[] | null>(initial);
  const [error, setError] = useState<ErrorBody | null>(null);

  useEffect(() => {
    if (initial !== null) setInstances((now) => now ?? initial);
  }, [initial]);

  useEffect(() => {
    let es: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const open = (): void => {
      es = new EventSource(`${appApi(app)}/ps`);
      es.addEventListener('ps', (e) => {
        try {
          setInstances(JSON.parse((e as MessageEvent<string>).data) as InstanceInfo[]);
          setError(null);
        } catch {
          // a broken event: the next one replaces it
        }
      });
      es.addEventListener('error', (e) => {
        // The API's own `event: error` carries an ErrorBody; the browser's has no data.
        const data = (e as MessageEvent<unknown>).data;
        if (typeof data === 'string') {
          try {
            setError(JSON.parse(data) as ErrorBody);
          } catch {
            setError({ code: 'INTERNAL', message: data } as ErrorBody);
          }
          return;
        }
        if (es?.readyState !== EventSource.CLOSED || stopped) return;
        api<InstanceInfo[]>('GET', `${appApi(app)}/ps`).then(
          (list) => {
            if (stopped) return;
            setInstances(list);
            timer = setTimeout(open, RETRY_MS);
          },
          (err: unknown) => !stopped && setError(toError(err)),
        );
      });
    };
    open();
    return () => {
      stopped = true;
      clearTimeout(timer);
      es?.close();
    };
  }, [app]);

  return { instances, error };
}
