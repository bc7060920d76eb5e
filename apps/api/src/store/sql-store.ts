import { PaasError, applyEnvChange, checkEnvKey, checkEnvTotal, checkEnvValue } from '@paas/core';
import { FOREIGN_KEY_VIOLATION, UNIQUE_VIOLATION, isDbError, type Db, type Queryable } from './db.js';
import type { AppRow, BuildRow, DataServiceRow, DomainRow, EventRow, HttpsRow, NewRelease, ReleaseRow, RetainedLogLine, RetainedLogQuery, Store, UserRow } from './types.js';

const USER_COLS = `name, admin, created_at AS "createdAt"`;
const APP_COLS = `name, owner, created_at AS "createdAt"`;
const BUILD_COLS = `id, app, number, status, clean, error, created_at AS "createdAt", finished_at AS "finishedAt"`;
const RELEASE_COLS = `id, app, version, build_id AS "buildId", spec, images, env, status, created_at AS "createdAt",
  cause || jsonb_build_object('kind', kind) AS cause, actor`;
const EVENT_COLS = `id, app, actor, action, detail, at`;
const DATA_COLS = `app, name, type, credentials, created_at AS "createdAt"`;
const HTTPS_COLS = `app, redirect, hsts_max_age AS "hstsMaxAge"`;

/** listEvents without a limit returns this many, newest first. */
export const DEFAULT_EVENT_LIMIT = 100;

/**
 * The Store on top of any Db driver. Per-app numbers (build number, release
 * version) are computed as max + 1 inside a transaction that first locks the
 * app's row, so concurrent calls for one app queue instead of colliding.
 *
 * Recording calls on things that no longer exist (finishBuild, appendBuildLog,
 * failRelease after the app was deleted mid-deploy) do nothing: there is
 * nothing left to record on. deleteApp of a missing app does nothing either.
 */
export class SqlStore implements Store {
  constructor(readonly db: Db) {}

  tryLockApp(app: string): Promise<(() => Promise<void>) | null> {
    return this.db.tryLock(`app:${app}`);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  // users and tokens

  async createUser(name: string, admin: boolean, tokenHash: string): Promise<UserRow> {
    try {
      const rows = await this.db.query<UserRow>(
        `INSERT INTO users (name, admin, token_hash) VALUES ($1, $2, $3) RETURNING ${USER_COLS}`,
        [name, admin, tokenHash],
      );
      return one(rows);
    } catch (err) {
      if (isDbError(err, UNIQUE_VIOLATION, 'users_pkey')) {
        throw new PaasError('USER_EXISTS', `user ${JSON.stringify(name)} already exists`);
      }
      throw err;
    }
  }

  async findUserByTokenHash(tokenHash: string): Promise<UserRow | null> {
    const rows = await this.db.query<UserRow>(`SELECT ${USER_COLS} FROM users WHERE token_hash = $1`, [tokenHash]);
    return rows[0] ?? null;
  }

  async listUsers(): Promise<UserRow[]> {
    return this.db.query<UserRow>(`SELECT ${USER_COLS} FROM users ORDER BY name`);
  }

  async countUsers(): Promise<number> {
    return one(await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users')).n;
  }

  // apps

  async createApp(name: string, owner: string): Promise<AppRow> {
    try {
      const rows = await this.db.query<AppRow>(
        `INSERT INTO apps (name, owner) VALUES ($1, $2) RETURNING ${APP_COLS}`,
        [name, owner],
      );
      return one(rows);
    } catch (err) {
      if (isDbError(err, UNIQUE_VIOLATION, 'apps_pkey')) {
        throw new PaasError('APP_EXISTS', `app ${JSON.stringify(name)} already exists`);
      }
      if (isDbError(err, FOREIGN_KEY_VIOLATION)) {
        throw new PaasError('USER_NOT_FOUND', `user ${JSON.stringify(owner)} does not exist`);
      }
      throw err;
    }
  }

  async getApp(name: string): Promise<AppRow | null> {
    const rows = await this.db.query<AppRow>(`SELECT ${APP_COLS} FROM apps WHERE name = $1`, [name]);
    return rows[0] ?? null;
  }

  async listApps(owner?: string): Promise<AppRow[]> {
    if (owner === undefined) return this.db.query<AppRow>(`SELECT ${APP_COLS} FROM apps ORDER BY name`);
    return this.db.query<AppRow>(`SELECT ${APP_COLS} FROM apps WHERE owner = $1 ORDER BY name`, [owner]);
  }

  async deleteApp(name: string): Promise<void> {
    // Foreign keys cascade to scale, builds (and their logs), releases, domains, env, kept instance output.
    await this.db.query('DELETE FROM apps WHERE name = $1', [name]);
  }

  async listDataServices(app: string): Promise<DataServiceRow[]> {
    return this.db.query<DataServiceRow>(`SELECT ${DATA_COLS} FROM data_services WHERE app = $1 ORDER BY name`, [app]);
  }

  async getDataService(app: string, name: string): Promise<DataServiceRow | null> {
    const rows = await this.db.query<DataServiceRow>(`SELECT ${DATA_COLS} FROM data_services WHERE app = $1 AND name = $2`, [app, name]);
    return rows[0] ?? null;
  }

  async createDataService(r: Omit<DataServiceRow, 'createdAt'>): Promise<DataServiceRow> {
    try {
      await this.db.query(
        `INSERT INTO data_services (app, name, type, credentials) VALUES ($1, $2, $3, $4)
         ON CONFLICT (app, name) DO NOTHING`,
        [r.app, r.name, r.type, JSON.stringify(r.credentials)],
      );
    } catch (err) {
      if (isDbError(err, FOREIGN_KEY_VIOLATION)) throw appNotFound(r.app);
      throw err;
    }
    return one(await this.db.query<DataServiceRow>(`SELECT ${DATA_COLS} FROM data_services WHERE app = $1 AND name = $2`, [r.app, r.name]));
  }

  async deleteDataService(app: string, name: string): Promise<boolean> {
    const rows = await this.db.query<{ name: string }>('DELETE FROM data_services WHERE app = $1 AND name = $2 RETURNING name', [app, name]);
    return rows.length > 0;
  }

  async getScale(app: string): Promise<Record<string, number>> {
    const rows = await this.db.query<{ service: string; instances: number }>(
      'SELECT service, instances FROM scale WHERE app = $1 ORDER BY service',
      [app],
    );
    return Object.fromEntries(rows.map((r) => [r.service, r.instances]));
  }

  async setScale(app: string, service: string, instances: number): Promise<void> {
    if (!Number.isSafeInteger(instances) || instances < 0) {
      throw new PaasError('SCALE_INVALID', `instances must be a whole number ≥ 0, got ${instances}`);
    }
    try {
      await this.db.query(
        `INSERT INTO scale (app, service, instances) VALUES ($1, $2, $3)
         ON CONFLICT (app, service) DO UPDATE SET instances = EXCLUDED.instances`,
        [app, service, instances],
      );
    } catch (err) {
      if (isDbError(err, FOREIGN_KEY_VIOLATION)) throw appNotFound(app);
      throw err;
    }
  }

  // builds

  async createBuild(app: string, id: string, clean: boolean): Promise<BuildRow> {
    return this.db.transaction(async (tx) => {
      await lockApp(tx, app);
      const rows = await tx.query<BuildRow>(
        `INSERT INTO builds (id, app, number, status, clean)
         SELECT $1, $2, coalesce(max(number), 0) + 1, 'running', $3 FROM builds WHERE app = $2
         RETURNING ${BUILD_COLS}`,
        [id, app, clean],
      );
      return one(rows);
    });
  }

  async finishBuild(id: string, status: 'succeeded' | 'failed', error?: string): Promise<void> {
    await this.db.query(
      'UPDATE builds SET status = $2, error = $3, finished_at = now() WHERE id = $1',
      [id, status, error ?? null],
    );
  }

  async appendBuildLog(id: string, lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    // Postgres text cannot hold NUL; build output sometimes does.
    const clean = lines.map((l) => l.replaceAll('\u0000', '\uFFFD'));
    await this.db.transaction(async (tx) => {
      // Lock the build so two appenders cannot take the same seq.
      const build = await tx.query('SELECT 1 FROM builds WHERE id = $1 FOR NO KEY UPDATE', [id]);
      if (build.length === 0) return;
      await tx.query(
        `INSERT INTO build_logs (build_id, seq, line)
         SELECT $1, (SELECT coalesce(max(seq), 0) FROM build_logs WHERE build_id = $1) + t.ord, t.line
         FROM unnest($2::text[]) WITH ORDINALITY AS t(line, ord)`,
        [id, clean],
      );
    });
  }

  async getBuild(id: string): Promise<BuildRow | null> {
    const rows = await this.db.query<BuildRow>(`SELECT ${BUILD_COLS} FROM builds WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async getBuildLog(id: string): Promise<string[]> {
    const rows = await this.db.query<{ line: string }>('SELECT line FROM build_logs WHERE build_id = $1 ORDER BY seq', [id]);
    return rows.map((r) => r.line);
  }

  async listBuilds(app: string): Promise<BuildRow[]> {
    return this.db.query<BuildRow>(`SELECT ${BUILD_COLS} FROM builds WHERE app = $1 ORDER BY number DESC`, [app]);
  }

  // releases

  async createRelease(r: NewRelease): Promise<ReleaseRow> {
    const { kind, ...cause } = r.cause ?? { kind: 'push' };
    return this.db.transaction(async (tx) => {
      await lockApp(tx, r.app);
      const rows = await tx.query<ReleaseRow>(
        `INSERT INTO releases (app, version, id, build_id, spec, images, env, status, kind, cause, actor)
         SELECT $1, v, 'v' || v, $2, $3::jsonb, $4::jsonb, $5::jsonb, 'pending', $6, $7::jsonb, $8
         FROM (SELECT coalesce(max(version), 0) + 1 AS v FROM releases WHERE app = $1) AS next
         RETURNING ${RELEASE_COLS}`,
        // Serialised here: pg would turn a JS array into a Postgres array, not JSON.
        [r.app, r.buildId, JSON.stringify(r.spec), JSON.stringify(r.images), JSON.stringify(r.env), kind, JSON.stringify(cause), r.actor ?? null],
      );
      return one(rows);
    });
  }

  // app-wide env

  async getAppEnv(app: string): Promise<Record<string, string>> {
    const rows = await this.db.query<{ key: string; value: string }>('SELECT key, value FROM app_env WHERE app = $1 ORDER BY key', [app]);
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async updateAppEnv(app: string, set: Record<string, string>, unset: readonly string[]): Promise<Record<string, string>> {
    checkEnv(set);
    for (const k of unset) checkEnvKey(k);
    return this.db.transaction(async (tx) => {
      await lockApp(tx, app);
      const rows = await tx.query<{ key: string; value: string }>('SELECT key, value FROM app_env WHERE app = $1', [app]);
      // Checked on the result, before anything is written: a change past the total changes nothing.
      const next = applyEnvChange(Object.fromEntries(rows.map((r) => [r.key, r.value])), { set, unset: [...unset] });
      if (unset.length > 0) await tx.query('DELETE FROM app_env WHERE app = $1 AND key = ANY($2::text[])', [app, [...unset]]);
      const keys = Object.keys(set);
      if (keys.length > 0) {
        await tx.query(
          `INSERT INTO app_env (app, key, value) SELECT $1, t.key, t.value FROM unnest($2::text[], $3::text[]) AS t(key, value)
           ON CONFLICT (app, key) DO UPDATE SET value = EXCLUDED.value`,
          [app, keys, keys.map((k) => set[k] as string)],
        );
      }
      return Object.fromEntries(Object.keys(next).sort().map((k) => [k, next[k] as string]));
    });
  }

  async replaceAppEnv(app: string, env: Record<string, string>): Promise<void> {
    checkEnv(env);
    checkEnvTotal(env);
    await this.db.transaction(async (tx) => {
      await lockApp(tx, app);
      await tx.query('DELETE FROM app_env WHERE app = $1', [app]);
      const keys = Object.keys(env);
      if (keys.length > 0) {
        await tx.query(`INSERT INTO app_env (app, key, value) SELECT $1, t.key, t.value FROM unnest($2::text[], $3::text[]) AS t(key, value)`, [
          app,
          keys,
          keys.map((k) => env[k] as string),
        ]);
      }
    });
  }

  async activateRelease(app: string, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await lockApp(tx, app);
      const target = await tx.query<{ status: string }>('SELECT status FROM releases WHERE app = $1 AND id = $2', [app, id]);
      const status = target[0]?.status;
      if (status === undefined) throw new PaasError('RELEASE_NOT_FOUND', `app ${JSON.stringify(app)} has no release ${id}`);
      if (status === 'active') return;
      // Supersede first: the partial unique index allows one active row at a time.
      await tx.query(`UPDATE releases SET status = 'superseded' WHERE app = $1 AND status = 'active'`, [app]);
      await tx.query(`UPDATE releases SET status = 'active' WHERE app = $1 AND id = $2`, [app, id]);
    });
  }

  async failRelease(app: string, id: string): Promise<void> {
    await this.db.query(`UPDATE releases SET status = 'failed' WHERE app = $1 AND id = $2`, [app, id]);
  }

  async getRelease(app: string, id: string): Promise<ReleaseRow | null> {
    const rows = await this.db.query<ReleaseRow>(`SELECT ${RELEASE_COLS} FROM releases WHERE app = $1 AND id = $2`, [app, id]);
    return rows[0] ?? null;
  }

  async getActiveRelease(app: string): Promise<ReleaseRow | null> {
    const rows = await this.db.query<ReleaseRow>(
      `SELECT ${RELEASE_COLS} FROM releases WHERE app = $1 AND status = 'active'`,
      [app],
    );
    return rows[0] ?? null;
  }

  async listReleases(app: string): Promise<ReleaseRow[]> {
    return this.db.query<ReleaseRow>(`SELECT ${RELEASE_COLS} FROM releases WHERE app = $1 ORDER BY version DESC`, [app]);
  }

  async failInterrupted(): Promise<{ builds: number; releases: number }> {
    return this.db.transaction(async (tx) => {
      // No code for "interrupted" in the catalogue: the API died, so INTERNAL.
      const b = await tx.query<{ n: number }>(
        `WITH u AS (UPDATE builds SET status = 'failed', error = 'INTERNAL', finished_at = now()
                    WHERE status = 'running' RETURNING 1)
         SELECT count(*)::int AS n FROM u`,
      );
      const r = await tx.query<{ n: number }>(
        `WITH u AS (UPDATE releases SET status = 'failed' WHERE status = 'pending' RETURNING 1)
         SELECT count(*)::int AS n FROM u`,
      );
      return { builds: one(b).n, releases: one(r).n };
    });
  }

  // output of retired instances

  async keepInstanceLogs(
    app: string,
    instance: { id: string; service: string; index: number; release: string },
    lines: readonly Pick<RetainedLogLine, 'time' | 'stream' | 'text'>[],
    limit: number,
  ): Promise<void> {
    const kept = limit <= 0 ? [] : lines.slice(-limit);
    await this.db.transaction(async (tx) => {
      // The app's row lock numbers the lines; an app deleted meanwhile keeps nothing.
      const found = await tx.query('SELECT 1 FROM apps WHERE name = $1 FOR NO KEY UPDATE', [app]);
      if (found.length === 0) return;
      await tx.query('DELETE FROM instance_logs WHERE app = $1 AND instance_id = $2', [app, instance.id]);
      if (kept.length > 0) {
        await tx.query(
          `INSERT INTO instance_logs (app, seq, instance_id, service, instance_index, release, time, stream, line)
           SELECT $1, (SELECT coalesce(max(seq), 0) FROM instance_logs WHERE app = $1) + t.ord, $2, $3, $4, $5, t.time, t.stream, t.line
           FROM unnest($6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS t(time, stream, line, ord)`,
          [
            app, instance.id, instance.service, instance.index, instance.release,
            kept.map((l) => l.time),
            kept.map((l) => l.stream),
            // Postgres text cannot hold NUL; an app may print one.
            kept.map((l) => l.text.replaceAll('\u0000', '\uFFFD')),
          ],
        );
      }
      // The oldest lines go first, whichever instance wrote them.
      await tx.query(
        `DELETE FROM instance_logs WHERE app = $1 AND seq IN (
           SELECT seq FROM instance_logs WHERE app = $1 ORDER BY time DESC, seq DESC OFFSET $2)`,
        [app, Math.max(0, limit)],
      );
    });
  }

  async listInstanceLogs(app: string, query: RetainedLogQuery = {}): Promise<RetainedLogLine[]> {
    return this.db.query<RetainedLogLine>(
      `SELECT instance_id AS "instanceId", service, instance_index AS "index", release, time, stream, line AS text
       FROM (SELECT *, row_number() OVER (PARTITION BY instance_id ORDER BY time DESC, seq DESC) AS rn
             FROM instance_logs
             WHERE app = $1
               AND ($2::text IS NULL OR service = $2)
               AND ($3::integer IS NULL OR instance_index = $3)
               AND ($4::text IS NULL OR time >= $4)) AS recent
       WHERE $5::integer IS NULL OR rn <= $5
       ORDER BY time, seq`,
      [app, query.service ?? null, query.index ?? null, query.since ?? null, query.tail ?? null],
    );
  }

  // audit

  async listDomains(app?: string): Promise<DomainRow[]> {
    return app === undefined
      ? this.db.query<DomainRow>(`SELECT name, app, created_at AS "createdAt" FROM domains ORDER BY name`)
      : this.db.query<DomainRow>(`SELECT name, app, created_at AS "createdAt" FROM domains WHERE app = $1 ORDER BY name`, [app]);
  }

  async addDomain(app: string, name: string): Promise<DomainRow> {
    try {
      await this.db.query(`INSERT INTO domains (name, app) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [name, app]);
    } catch (err) {
      if (isDbError(err, FOREIGN_KEY_VIOLATION)) throw appNotFound(app);
      throw err;
    }
    const row = one(await this.db.query<DomainRow>(`SELECT name, app, created_at AS "createdAt" FROM domains WHERE name = $1`, [name]));
    if (row.app !== app) {
      throw new PaasError('DOMAIN_TAKEN', `the domain ${name} belongs to another app`, { hint: 'remove it there first (paas domain rm), or pick another name' });
    }
    return row;
  }

  async removeDomain(app: string, name: string): Promise<boolean> {
    const rows = await this.db.query(`DELETE FROM domains WHERE app = $1 AND name = $2 RETURNING name`, [app, name]);
    return rows.length > 0;
  }

  async getHttps(app: string): Promise<HttpsRow> {
    const rows = await this.db.query<HttpsRow>(`SELECT ${HTTPS_COLS} FROM app_https WHERE app = $1`, [app]);
    return rows[0] ?? { app, redirect: false, hstsMaxAge: null };
  }

  async setHttps(app: string, s: Omit<HttpsRow, 'app'>): Promise<HttpsRow> {
    try {
      return one(
        await this.db.query<HttpsRow>(
          `INSERT INTO app_https (app, redirect, hsts_max_age) VALUES ($1, $2, $3)
           ON CONFLICT (app) DO UPDATE SET redirect = EXCLUDED.redirect, hsts_max_age = EXCLUDED.hsts_max_age, updated_at = now()
           RETURNING ${HTTPS_COLS}`,
          [app, s.redirect, s.hstsMaxAge],
        ),
      );
    } catch (err) {
      if (isDbError(err, FOREIGN_KEY_VIOLATION)) throw appNotFound(app);
      throw err;
    }
  }

  async listHttps(): Promise<HttpsRow[]> {
    return this.db.query<HttpsRow>(`SELECT ${HTTPS_COLS} FROM app_https ORDER BY app`);
  }

  async addEvent(e: { app: string | null; actor: string; action: string; detail?: Record<string, unknown> }): Promise<void> {
    await this.db.query(
      'INSERT INTO events (app, actor, action, detail) VALUES ($1, $2, $3, $4::jsonb)',
      [e.app, e.actor, e.action, JSON.stringify(e.detail ?? {})],
    );
  }

  /** Newest first. */
  async listEvents(app: string, limit: number = DEFAULT_EVENT_LIMIT): Promise<EventRow[]> {
    return this.db.query<EventRow>(
      `SELECT ${EVENT_COLS} FROM events WHERE app = $1 ORDER BY id DESC LIMIT $2`,
      [app, limit],
    );
  }
}

/** Names and values the app env can hold (a NUL cannot be in Postgres text, nor in a process environment). */
function checkEnv(env: Record<string, string>): void {
  for (const [k, v] of Object.entries(env)) checkEnvValue(checkEnvKey(k), v);
}

/** Row lock on the app: serialises per-app numbering; throws APP_NOT_FOUND. */
async function lockApp(tx: Queryable, app: string): Promise<void> {
  // NO KEY UPDATE: conflicts with itself but not with the KEY SHARE locks that
  // foreign-key checks take, so unrelated inserts for the app are not blocked.
  const rows = await tx.query('SELECT 1 FROM apps WHERE name = $1 FOR NO KEY UPDATE', [app]);
  if (rows.length === 0) throw appNotFound(app);
}

function appNotFound(app: string): PaasError {
  return new PaasError('APP_NOT_FOUND', `app ${JSON.stringify(app)} does not exist`);
}

function one<T>(rows: T[]): T {
  const row = rows[0];
  if (row === undefined) throw new Error('expected one row, got none');
  return row;
}
