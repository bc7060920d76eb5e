/**
 * The logs panel's filter: every instance, one service (`www`) or one
 * instance (`www.1`); the API takes either in `service=`.
 */
export interface FilterOption {
  /** '' for every instance. */
  value: string;
  label: string;
}

export function filterOptions(services: string[], instances: string[]): FilterOption[] {
  const byName = (a: string, b: string): number => a.localeCompare(b, undefined, { numeric: true });
  const svc = [...new Set([...services, ...instances.map((i) => i.split('.')[0]!)])].sort(byName);
  const inst = [...new Set(instances)].sort(byName);
  return [
    { value: '', label: 'all' },
    ...svc.map((s) => ({ value: s, label: s })),
    ...inst.filter((i) => !svc.includes(i)).map((i) => ({ value: i, label: i })),
  ];
}

/** The logs WebSocket's query: follow, the last lines of each instance, the filter, the csrf token. */
export function logQuery(filter: string, csrf: string, tail = 100): string {
  const q = new URLSearchParams({ follow: '1', tail: String(tail) });
  if (filter !== '') q.set('service', filter);
  q.set('csrf', csrf);
  return q.toString();
}

/** Whether a line from `instance` belongs in the panel under `filter`. */
export function matchesFilter(filter: string, instance: string): boolean {
  if (filter === '') return true;
  return filter.includes('.') ? instance === filter : instance.split('.')[0] === filter;
}
