/** Whether an object carries all of our labels (platform id, test run): an object without them is another platform's. */
export function ownedBy(labels: Record<string, string>, ours: Record<string, string>): boolean {
  return Object.entries(ours).every(([k, v]) => labels[k] === v);
}

/** Labels as the engine's `label` filter takes them. */
export function labelFilter(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}
