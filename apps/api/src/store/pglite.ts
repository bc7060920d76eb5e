import { chmod, mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { toDbError, type Db, type Queryable } from './db.js';

/**
 * Embedded Postgres (WASM) in dataDir; the directory is created and
 * initialised on first open (initdb, several seconds), later opens are fast.
 * PGlite has a single connection and queues transactions itself, so
 * concurrent transactions run one after another.
 */
/**
 * The platform's store is a few MB: Postgres's default 128 MB of shared
 * buffers would sit in the API's memory for nothing (RSS about 330 MB at
 * idle with the defaults, about 165 MB with these).
 */
const SMALL_SERVER = ['shared_buffers = 8MB', 'wal_buffers = 1MB', 'temp_buffers = 1MB', 'work_mem = 2MB', 'maintenance_work_mem = 8MB'];

export async function openPglite(dataDir: string): Promise<Db> {
  // PGlite gives its files mode 0644 whatever the umask: the directory keeps other users out.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  let pg: PGlite;
  try {
    pg = await PGlite.create(dataDir, { postgresqlconf: SMALL_SERVER });
  } catch (err) {
    throw toDbError(err);
  }
  // PGlite is one session in one process (no second process can open its
  // directory), and Postgres advisory locks are re-entrant within a session,
  // so the equivalent of pg_try_advisory_lock here is a set in this process.
  const held = new Set<string>();
  return {
    ...wrap(pg),
    async tryLock(name: string) {
      if (held.has(name)) return null;
      held.add(name);
      let released = false;
      return async () => {
        if (!released) held.delete(name);
        released = true;
      };
    },
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      let fnError: { err: unknown } | undefined;
      try {
        return await pg.transaction(async (tx) => {
          try {
            return await fn(wrap(tx));
          } catch (err) {
            fnError = { err };
            throw err;
          }
        });
      } catch (err) {
        // Errors from fn (e.g. a PaasError) pass through unchanged.
        if (fnError !== undefined && fnError.err === err) throw err;
        throw toDbError(err);
      }
    },
    async close() {
      await pg.close();
    },
  };
}

function wrap(q: PGlite | Transaction): Queryable {
  return {
    async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      try {
        return (await q.query<T>(sql, params)).rows;
      } catch (err) {
        throw toDbError(err);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        await q.exec(sql);
      } catch (err) {
        throw toDbError(err);
      }
    },
  };
}
