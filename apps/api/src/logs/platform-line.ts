import type { InstanceState } from '../runtime/types.js';
import type { Store } from '../store/types.js';
import { dateKey } from './log-time.js';

/**
 * Platform lines in `paas logs` ("[paas] www.1 stopped answering /health …"):
 * kept with the retired instances' output, each under an id of its own
 * (`paas:<instance id>:<n>`), so that keeping the instance's own output
 * later never replaces it and `paas logs` shows it beside the instance's
 * lines, under the instance's name. They appear in the backlog of `paas
 * logs`, not in a session that is already following.
 */
export function platformLines(
  store: Pick<Store, 'keepInstanceLogs'>,
  limit: number,
): (instance: Pick<InstanceState, 'id' | 'app' | 'service' | 'index' | 'release'>, text: string) => Promise<void> {
  let seq = 0;
  return async (instance, text) => {
    if (limit <= 0) return;
    const now = new Date();
    await store.keepInstanceLogs(
      instance.app,
      { id: `paas:${instance.id}:${now.getTime()}-${++seq}`, service: instance.service, index: instance.index, release: instance.release },
      [{ time: dateKey(now), stream: 'stderr', text: `[paas] ${text}` }],
      limit,
    );
  };
}
