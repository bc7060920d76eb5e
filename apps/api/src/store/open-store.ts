import { join } from 'node:path';
import type { Db } from './db.js';
import { migrate } from './migrations.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import { SqlStore } from './sql-store.js';
import type { Store } from './types.js';

export interface OpenStoreOptions {
  /** Postgres URL; when unset, embedded PGlite in `<dataDir>/db`. */
  databaseUrl?: string | undefined;
  dataDir: string;
}

/** Opens the database, applies pending migrations and returns the store. */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  return openSqlStore(opts);
}

/** Same as openStore, typed as SqlStore (tests reach the Db through it). */
export async function openSqlStore(opts: OpenStoreOptions): Promise<SqlStore> {
  const db: Db = opts.databaseUrl ? await openPostgres(opts.databaseUrl) : await openPglite(join(opts.dataDir, 'db'));
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return new SqlStore(db);
}
