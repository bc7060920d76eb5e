export type * from './types.js';
export { openStore, openSqlStore, type OpenStoreOptions } from './open-store.js';
export { SqlStore, DEFAULT_EVENT_LIMIT } from './sql-store.js';
export { migrate, migrations, type Migration } from './migrations.js';
export { openPglite } from './pglite.js';
export { openPostgres } from './postgres.js';
export { DbError, type Db, type Queryable } from './db.js';
