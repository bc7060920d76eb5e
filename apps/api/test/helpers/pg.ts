/**
 * Test databases for both store drivers.
 *
 * PGlite: initdb of a new data directory takes ~7.5 s here, a later open of an
 * initialised one ~0.8 s. So the run creates ONE template directory (vitest
 * globalSetup: `setup` below, wired in apps/api/vitest.config.ts) and every
 * suite copies it (`pgliteDataDir`). The template is bare (no migrations), so
 * each copy still exercises the real migration path. The path travels to the
 * test workers in PAAS_TEST_PGLITE_TEMPLATE; if a run has no globalSetup, the
 * first suite in each worker makes its own template instead.
 *
 * Postgres: PAAS_TEST_DATABASE_URL points at a server where the role may
 * CREATE DATABASE (infra/test-postgres.sh sets one up and prints the export).
 * Each suite gets a fresh `paas_test_<random>` database, dropped afterwards.
 * Without the variable the Postgres suites fail under CI (CI must provide
 * Postgres) and are skipped with a note elsewhere (`postgresTestUrl`).
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

const TEMPLATE_ENV = 'PAAS_TEST_PGLITE_TEMPLATE';

async function makeTemplate(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paas-pglite-template-'));
  const db = await PGlite.create(dir);
  await db.close();
  return dir;
}

/** vitest globalSetup: one initialised PGlite directory for the whole run. */
export async function setup(): Promise<() => Promise<void>> {
  const dir = await makeTemplate();
  process.env[TEMPLATE_ENV] = dir;
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}

let localTemplate: Promise<string> | undefined;

/**
 * A fresh paas data directory whose `db/` is a copy of the template, i.e.
 * what `openStore({ dataDir })` opens with PGlite. Call cleanup after closing.
 */
export async function pgliteDataDir(): Promise<{ dataDir: string; cleanup: () => Promise<void> }> {
  const template = process.env[TEMPLATE_ENV] ?? (await (localTemplate ??= makeTemplate()));
  const dataDir = await mkdtemp(join(tmpdir(), 'paas-test-data-'));
  await cp(template, join(dataDir, 'db'), { recursive: true });
  return { dataDir, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}

export type PostgresTestUrl =
  | { kind: 'url'; url: string }
  /** No server configured: `fail` under CI, `skip` on a developer machine. */
  | { kind: 'fail' | 'skip'; reason: string };

export function postgresTestUrl(env: NodeJS.ProcessEnv = process.env): PostgresTestUrl {
  const url = env['PAAS_TEST_DATABASE_URL'];
  if (url) return { kind: 'url', url };
  if (env['CI']) {
    return {
      kind: 'fail',
      reason: 'PAAS_TEST_DATABASE_URL is not set, but CI must test the Postgres driver: run infra/test-postgres.sh and export the URL it prints',
    };
  }
  return {
    kind: 'skip',
    reason: 'Postgres store tests skipped: PAAS_TEST_DATABASE_URL is not set (infra/test-postgres.sh prints it)',
  };
}

/** Creates `paas_test_<random>` on the server of adminUrl; drop() removes it. */
export async function createTestDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `paas_test_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE: a leaked connection must not leave the database behind.
    drop: () => withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
