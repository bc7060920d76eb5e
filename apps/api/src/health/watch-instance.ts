import type { InstanceState, Runtime } from '../runtime/types.js';

/**
 * Liveness of one new instance for waitHealthy. With restart policy
 * unless-stopped a crash on boot shows as "restarting", or as running again
 * with a higher restart count, so both count as an exit.
 */
export function watchInstance(runtime: Runtime, id: string, name: string, restartsBefore = 0) {
  let last: InstanceState | null = null;
  return {
    name,
    isAlive: async (): Promise<boolean> => {
      last = await runtime.inspectInstance(id);
      return last !== null && last.running && last.restartCount === restartsBefore;
    },
    exitReason: async (): Promise<string> => {
      if (last === null) return `${name} was removed before becoming healthy`;
      const code = last.exitCode ?? (await runtime.lastExitCode?.(id)) ?? null;
      return code === null ? `${name} exited before becoming healthy` : `${name} exited with code ${code} before becoming healthy`;
    },
  };
}
