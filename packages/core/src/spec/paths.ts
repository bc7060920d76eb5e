/** Dotted paths for problems: `www.ports.web`, `www.systempackages[1]`, `www.environment["A B"]`. */

const PLAIN_KEY_RE = /^[A-Za-z0-9_-]+$/;

export function pathOf(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (base === '') return PLAIN_KEY_RE.test(key) ? key : JSON.stringify(key);
  return PLAIN_KEY_RE.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/** "got …" fragment for messages about a value of the wrong shape. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
