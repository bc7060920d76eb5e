import type { InstanceState, Runtime } from '../runtime/types.js';
import type { Store } from '../store/types.js';
import { timeKey } from './log-time.js';

/**
 * The Deployer's keepLogs hook: reads a halted instance's output (at most
 * `limit` lines, all the store would keep) and keeps it in the store before
 * the instance is removed, so `paas logs` still shows the previous release
 * after a push. The lines are the app's own output: only the failure's
 * message is logged, never a line.
 */
export function keepInstanceLogs(
  store: Pick<Store, 'keepInstanceLogs'>,
  runtime: Pick<Runtime, 'logs'>,
  limit: number,
  log?: (msg: string) => void,
  timeoutMs = 60_000,
): (instance: InstanceState) => Promise<void> {
  return async (instance) => {
    if (limit <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      const keep = async (): Promise<void> => {
        const lines: { time: string; stream: 'stdout' | 'stderr'; text: string }[] = [];
        for await (const line of runtime.logs(instance.id, { follow: false, tail: limit })) {
          lines.push({ time: timeKey(line.time), stream: line.stream, text: line.text });
        }
        await store.keepInstanceLogs(
          instance.app,
          { id: instance.id, service: instance.service, index: instance.index, release: instance.release },
          lines,
          limit,
        );
      };
      // Retirement waits for this: a stuck engine or store must not keep the instance for ever.
      await Promise.race([
        keep(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      log?.(`${instance.app}: keeping the output of ${instance.service}.${instance.index} (${instance.release}) failed: ${(err as Error).message}`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };
}
