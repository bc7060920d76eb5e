/**
 * The small database interface the store is written against. Two drivers
 * implement it (PGlite embedded, Postgres through `pg`), so SqlStore and the
 * migrations exist once.
 */

/** Anything that can run one parameterised statement. */
export interface Queryable {
  /** One statement with `$1…` parameters; returns the rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  /** Runs fn in BEGIN … COMMIT on one connection; rolls back when fn throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Takes the named lock if no one holds it, across every process on this
   * database; returns its release, or null when it is held. A process that
   * dies releases its locks with its connection.
   */
  tryLock(name: string): Promise<(() => Promise<void>) | null>;
  close(): Promise<void>;
}

/**
 * A database error reduced to what callers need. Drivers rethrow as DbError
 * so that query parameters (which can hold env values, i.e. secrets) never
 * travel with an error into a log: PGlite attaches them to its errors.
 */
export class DbError extends Error {
  /** SQLSTATE, e.g. 23505 unique_violation, 23503 foreign_key_violation. */
  readonly code: string | undefined;
  readonly constraint: string | undefined;

  constructor(message: string, code: string | undefined, constraint: string | undefined) {
    super(message);
    this.name = 'DbError';
    this.code = code;
    this.constraint = constraint;
  }
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';

/** Keeps message, SQLSTATE and constraint name; drops params, query and cause. */
export function toDbError(err: unknown): Error {
  if (err instanceof DbError) return err;
  if (err instanceof Error) {
    const e = err as Error & { code?: unknown; constraint?: unknown };
    const code = typeof e.code === 'string' ? e.code : undefined;
    const constraint = typeof e.constraint === 'string' ? e.constraint : undefined;
    return new DbError(err.message, code, constraint);
  }
  return new DbError(String(err), undefined, undefined);
}

export function isDbError(err: unknown, code: string, constraint?: string): err is DbError {
  return err instanceof DbError && err.code === code && (constraint === undefined || err.constraint === constraint);
}

/** Namespace of paas's advisory locks (the first key of pg_try_advisory_lock(int, int)). */
export const LOCK_NAMESPACE = 7_261_731;
