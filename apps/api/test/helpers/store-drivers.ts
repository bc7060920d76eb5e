import { PaasError } from '@paas/core';
import { describe, it } from 'vitest';
import { openSqlStore } from '../../src/store/open-store.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import { createTestDatabase, pgliteDataDir, postgresTestUrl } from './pg.js';

/** One store driver to run a suite against, on a fresh database. */
export interface StoreDriver {
  name: string;
  /** No Postgres configured on a developer machine (under CI that is a failure instead, see postgresGuard). */
  skip: boolean;
  open(): Promise<{ store: SqlStore; dispose: () => Promise<void> }>;
}

export const pgTarget = postgresTestUrl();

/** PGlite and Postgres, each on a database of its own that dispose() removes. */
export const storeDrivers: StoreDriver[] = [
  {
    name: 'pglite',
    skip: false,
    async open() {
      const { dataDir, cleanup } = await pgliteDataDir();
      const store = await openSqlStore({ dataDir });
      return { store, dispose: async () => { await store.close(); await cleanup(); } };
    },
  },
  {
    name: 'postgres',
    skip: pgTarget.kind !== 'url',
    async open() {
      if (pgTarget.kind !== 'url') throw new Error(pgTarget.reason);
      const { url, drop } = await createTestDatabase(pgTarget.url);
      const store = await openSqlStore({ databaseUrl: url, dataDir: '/nonexistent' });
      return { store, dispose: async () => { await store.close(); await drop(); } };
    },
  },
];

/** Under CI a missing Postgres is a failing test, never a skip; elsewhere a note. */
export function postgresGuard(suite: string): void {
  if (pgTarget.kind === 'fail') {
    describe(`${suite} (postgres)`, () => {
      it('has a Postgres server to test against', () => {
        throw new Error(pgTarget.kind === 'fail' ? pgTarget.reason : '');
      });
    });
  } else if (pgTarget.kind === 'skip') {
    console.warn(`NOTE: ${pgTarget.reason}`);
  }
}

/** Resolves to the PaasError code a promise rejects with. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PaasError) return err.code;
    throw err;
  }
  throw new Error('expected a rejection');
}
