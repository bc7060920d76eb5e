import type { AppDetail, InstanceInfo } from '@paas/core';

/** One word (or a short count) for an app's state in the list: running, deploying, 1 crashed … */
export function appState(detail: Pick<AppDetail, 'release' | 'instances'>): string {
  if (detail.release === null) return 'not deployed';
  const running = detail.instances.filter((i) => i.state !== 'stopped');
  if (running.length === 0) return 'stopped';
  const counts = new Map<string, number>();
  for (const i of running) counts.set(i.state, (counts.get(i.state) ?? 0) + 1);
  if (counts.size === 1 && counts.has('healthy')) return 'running';
  return [...counts].map(([state, n]) => `${n} ${state}`).join(', ');
}

/** The instances of the active release first, each name once (during a deploy old and new overlap). */
export function sortInstances(list: InstanceInfo[]): InstanceInfo[] {
  return [...list].sort(
    (a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }) || b.release.localeCompare(a.release, undefined, { numeric: true }),
  );
}
