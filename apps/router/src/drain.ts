import type { DrainRequest, DrainResult } from '@paas/core';

const pollMs = 10;
/** Longest drain a caller may ask for; the API's own deadline is far below this. */
export const maxDrainMs = 15 * 60_000;

export function findDrainProblem(value: unknown): { path: string; message: string } | null {
  if (typeof value !== 'object' || value === null) return { path: '', message: 'must be an object' };
  const { targets, timeoutMs } = value as Record<string, unknown>;
  if (!Array.isArray(targets) || !targets.every((t) => typeof t === 'string')) return { path: 'targets', message: 'must be an array of target ids' };
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > maxDrainMs) {
    return { path: 'timeoutMs', message: `must be a whole number of ms from 0 to ${maxDrainMs}` };
  }
  return null;
}

/**
 * Resolves when `count` (requests + WebSockets in flight to the targets)
 * reaches 0, or at the deadline with what is still in flight. Polling every
 * 10 ms keeps the request path free of drain bookkeeping.
 */
export async function waitForDrain(request: DrainRequest, count: (ids: ReadonlySet<string>) => number | Promise<number>): Promise<DrainResult> {
  const ids = new Set(request.targets);
  const deadline = Date.now() + request.timeoutMs;
  for (;;) {
    const inflight = await count(ids);
    if (inflight === 0) return { drained: true, inflight: 0 };
    const left = deadline - Date.now();
    if (left <= 0) return { drained: false, inflight };
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, left)));
  }
}
