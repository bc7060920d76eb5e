import type { Route } from './routes.js';
import type { Target } from './target.js';

/**
 * Least in-flight, ties broken round-robin from a moving cursor, skipping
 * ejected targets and `avoid` (the target a retry just failed on) when
 * anything else is healthy. Returns null when nothing is healthy.
 */
export function pickTarget(route: Route, now: number, avoid: Target | null = null): Target | null {
  const targets = route.targets;
  const n = targets.length;
  if (n === 0) return null;
  if (n === 1) {
    const only = targets[0]!;
    return only.isHealthy(now) ? only : null;
  }
  const start = route.cursor;
  route.cursor = start + 1 >= n ? 0 : start + 1;
  let best: Target | null = null;
  for (let i = 0; i < n; i++) {
    let j = start + i;
    if (j >= n) j -= n;
    const t = targets[j]!;
    if (t === avoid || !t.isHealthy(now)) continue;
    if (best === null || t.inflight < best.inflight) best = t;
  }
  if (best === null && avoid !== null && avoid.isHealthy(now)) return avoid;
  return best;
}
