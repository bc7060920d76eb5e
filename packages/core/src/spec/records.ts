/** Small helpers for the untyped values YAML gives us. */

export type PlainMap = Record<string, unknown>;

export function isPlainMap(value: unknown): value is PlainMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Define an own property: user-chosen keys (`__proto__` is a valid
 * environment variable name) must never reach the prototype chain.
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A key left empty (`environment:` with its entries commented out) counts as not given. */
export function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}
