import pg from 'pg';
import { LOCK_NAMESPACE, toDbError, type Db, type Queryable } from './db.js';

/** Postgres through a `pg` connection pool. */
export async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client losing its connection emits 'error' on the pool; without a
  // listener that would crash the process. The next query reports the failure.
  pool.on('error', () => {});
  /** Connections that hold a lock; closing the store ends them, which releases their locks. */
  const lockClients = new Set<pg.Client>();
  const db: Db = {
    ...wrap(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw toDbError(err);
      }
      let broken: Error | undefined;
      try {
        await client.query('BEGIN').catch((err: unknown) => { throw toDbError(err); });
        const result = await fn(wrap(client));
        await client.query('COMMIT').catch((err: unknown) => { throw toDbError(err); });
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          // A connection that cannot roll back must not go back to the pool.
          broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    async tryLock(name: string) {
      // A session-level advisory lock lives as long as its connection: one
      // connection of its own per held lock, outside the pool, so that held
      // locks never starve queries.
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {});
      try {
        await client.connect();
        const rows = (await client.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_NAMESPACE, name])).rows as { ok: boolean }[];
        if (rows[0]?.ok !== true) {
          await client.end().catch(() => {});
          return null;
        }
      } catch (err) {
        await client.end().catch(() => {});
        throw toDbError(err);
      }
      lockClients.add(client);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        lockClients.delete(client);
        // Ending the session releases the lock even when the unlock fails.
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, name]).catch(() => {});
        await client.end().catch(() => {});
      };
    },
    async close() {
      await Promise.all([...lockClients].map((c) => c.end().catch(() => {})));
      lockClients.clear();
      await pool.end();
    },
  };
  // Fail at open time, not on the first request, when the URL is wrong.
  try {
    await db.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  return db;
}

function wrap(q: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
      try {
        return (await q.query(sql, params)).rows as T[];
      } catch (err) {
        throw toDbError(err);
      }
    },
    async exec(sql: string): Promise<void> {
      try {
        // Without parameters pg uses the simple protocol, which allows several statements.
        await q.query(sql);
      } catch (err) {
        throw toDbError(err);
      }
    },
  };
}
