/** Caps on one uploaded push archive (reliability.md item 18). */
export interface UploadLimits {
  /**
   * Cap on the uncompressed tar stream, headers and padding included, so a
   * bomb made only of zero blocks (which tar readers skip) is stopped as well.
   */
  maxBytes?: number;
  /** Cap on the number of tar entries (files, directories, links). */
  maxEntries?: number;
  /** Cap on the compressed bytes read from the source; no cap when unset. */
  maxCompressedBytes?: number;
  /** Milliseconds without a byte from the source before the upload counts as stalled; no limit when unset. */
  idleMs?: number;
}

export interface ResolvedLimits {
  maxBytes: number;
  maxEntries: number;
  maxCompressedBytes: number;
  idleMs: number;
}

export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
export const DEFAULT_MAX_ENTRIES = 100_000;

/**
 * After a rejection we keep reading (and discarding) at most this much more of
 * an HTTP body so the client can still read the error response; past that the
 * stream is destroyed rather than read for ever.
 */
export const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

export function resolveLimits(limits: UploadLimits = {}): ResolvedLimits {
  return {
    maxBytes: positive(limits.maxBytes, 'maxBytes') ?? DEFAULT_MAX_BYTES,
    maxEntries: positive(limits.maxEntries, 'maxEntries') ?? DEFAULT_MAX_ENTRIES,
    maxCompressedBytes: positive(limits.maxCompressedBytes, 'maxCompressedBytes') ?? Number.POSITIVE_INFINITY,
    idleMs: positive(limits.idleMs, 'idleMs') ?? Number.POSITIVE_INFINITY,
  };
}

function positive(value: number | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  // A misconfigured cap must not silently become "no cap".
  if (!(value > 0)) throw new RangeError(`upload limit ${name} must be a positive number, got ${value}`);
  return value;
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
