import { inspect } from 'node:util';
import type { AppSpec } from '@paas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DbError } from '../src/store/db.js';
import { migrate, migrations } from '../src/store/migrations.js';
import { openSqlStore } from '../src/store/open-store.js';
import { openPostgres } from '../src/store/postgres.js';
import type { SqlStore } from '../src/store/sql-store.js';
import { createTestDatabase } from './helpers/pg.js';
import { codeOf, pgTarget, postgresGuard, storeDrivers } from './helpers/store-drivers.js';

postgresGuard('store');

const spec: AppSpec = { file: 'paas.yml', services: {} };

describe.each(storeDrivers)(
  'store ($name)',
  (driver) => {
    let store: SqlStore;
    let dispose: (() => Promise<void>) | undefined;
    let seq = 0;
    /** Unique names: the suite shares one database. */
    const uniq = (prefix: string) => `${prefix}-${++seq}`;
    /** A user and an app owned by it. */
    async function newApp(): Promise<string> {
      const owner = uniq('owner');
      await store.createUser(owner, false, `hash-${owner}`);
      const app = uniq('app');
      await store.createApp(app, owner);
      return app;
    }
    const count = async (sql: string, params: unknown[]) =>
      (await store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0]?.n;

    beforeAll(async () => {
      if (driver.skip) return;
      ({ store, dispose } = await driver.open());
    });
    afterAll(async () => {
      await dispose?.();
    });

    describe.skipIf(driver.skip)('behaviour', () => {
      it('applied every migration once, and migrating again is a no-op', async () => {
        const rows = await store.db.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
        expect(rows.map((r) => r.id)).toEqual(migrations.map((m) => m.id));
        expect(await migrate(store.db)).toEqual([]);
      });

      it('stores users and finds them by token hash', async () => {
        const before = await store.countUsers();
        const alice = uniq('alice');
        const bob = uniq('bob');
        const row = await store.createUser(alice, true, 'sha-alice');
        expect(row).toEqual({ name: alice, admin: true, createdAt: expect.any(Date) });
        await store.createUser(bob, false, 'sha-bob');

        expect(await store.findUserByTokenHash('sha-bob')).toEqual({ name: bob, admin: false, createdAt: expect.any(Date) });
        expect(await store.findUserByTokenHash('sha-alice')).toMatchObject({ name: alice, admin: true });
        expect(await store.findUserByTokenHash('sha-nobody')).toBeNull();
        expect(await store.countUsers()).toBe(before + 2);
        const names = (await store.listUsers()).map((u) => u.name);
        expect(names.filter((n) => n === alice || n === bob)).toEqual([alice, bob]);

        expect(await codeOf(store.createUser(alice, false, 'sha-other'))).toBe('USER_EXISTS');
        expect(await store.countUsers()).toBe(before + 2);
      });

      it('creates, lists and deletes apps; duplicate names are APP_EXISTS', async () => {
        const owner = uniq('owner');
        const other = uniq('other');
        await store.createUser(owner, false, `h-${owner}`);
        await store.createUser(other, false, `h-${other}`);
        const a = await store.createApp(uniq('web'), owner);
        expect(a).toEqual({ name: a.name, owner, createdAt: expect.any(Date) });
        const b = await store.createApp(uniq('api'), owner);
        const c = await store.createApp(uniq('zeta'), other);

        expect(await store.getApp(a.name)).toEqual(a);
        expect(await store.getApp('no-such-app')).toBeNull();
        expect((await store.listApps(owner)).map((x) => x.name)).toEqual([b.name, a.name]);
        expect((await store.listApps(other)).map((x) => x.name)).toEqual([c.name]);
        const all = (await store.listApps()).map((x) => x.name);
        expect(all).toEqual(expect.arrayContaining([a.name, b.name, c.name]));
        expect(all).toEqual([...all].sort());

        expect(await codeOf(store.createApp(a.name, other))).toBe('APP_EXISTS');
        expect(await codeOf(store.createApp(uniq('orphan'), 'no-such-user'))).toBe('USER_NOT_FOUND');

        await store.deleteApp(b.name);
        expect(await store.getApp(b.name)).toBeNull();
        expect((await store.listApps(owner)).map((x) => x.name)).toEqual([a.name]);
        await store.deleteApp(b.name); // already gone: no error
      });

      it('deleting an app cascades to scale, builds, logs and releases', async () => {
        const app = await newApp();
        const keep = await newApp();
        const buildId = uniq('b');
        await store.setScale(app, 'www', 2);
        await store.createBuild(app, buildId, false);
        await store.appendBuildLog(buildId, ['one', 'two']);
        await store.createRelease({ app, buildId, spec, images: {}, env: {} });
        const keepBuild = uniq('b');
        await store.createBuild(keep, keepBuild, false);
        await store.appendBuildLog(keepBuild, ['kept']);
        await store.addEvent({ app, actor: 'root', action: 'app.create' });

        await store.deleteApp(app);

        expect(await store.getScale(app)).toEqual({});
        expect(await store.getBuild(buildId)).toBeNull();
        expect(await store.getBuildLog(buildId)).toEqual([]);
        expect(await count('build_logs WHERE build_id = $1', [buildId])).toBe(0);
        expect(await store.listReleases(app)).toEqual([]);
        expect(await store.listBuilds(app)).toEqual([]);
        // The audit trail outlives the app; other apps are untouched.
        expect((await store.listEvents(app)).map((e) => e.action)).toEqual(['app.create']);
        expect(await store.getBuildLog(keepBuild)).toEqual(['kept']);
      });

      it('keeps scale per service', async () => {
        const app = await newApp();
        expect(await store.getScale(app)).toEqual({});
        await store.setScale(app, 'www', 3);
        await store.setScale(app, 'worker', 1);
        await store.setScale(app, 'www', 0);
        expect(await store.getScale(app)).toEqual({ www: 0, worker: 1 });
        expect(await codeOf(store.setScale('no-such-app', 'www', 1))).toBe('APP_NOT_FOUND');
        expect(await codeOf(store.setScale(app, 'www', -1))).toBe('SCALE_INVALID');
        expect(await codeOf(store.setScale(app, 'www', 1.5))).toBe('SCALE_INVALID');
        expect(await store.getScale(app)).toEqual({ www: 0, worker: 1 });
      });

      it('keeps data services with their credentials; a second create keeps the first; deleting the app removes them', async () => {
        const app = await newApp();
        const credentials = { login: 'paas', password: 'pw-1', database: 'app', adminPassword: 'adm-1' };
        const db = await store.createDataService({ app, name: 'db', type: 'postgresql', credentials });
        expect(db).toMatchObject({ app, name: 'db', type: 'postgresql', credentials });
        expect(db.createdAt).toBeInstanceOf(Date);
        // Created concurrently by another push: the first credentials stay.
        const again = await store.createDataService({ app, name: 'db', type: 'postgresql', credentials: { ...credentials, password: 'pw-2' } });
        expect(again.credentials.password).toBe('pw-1');
        await store.createDataService({ app, name: 'cache', type: 'redis', credentials: { ...credentials, database: '' } });
        expect((await store.listDataServices(app)).map((d) => d.name)).toEqual(['cache', 'db']);
        expect((await store.getDataService(app, 'db'))?.credentials).toEqual(credentials);
        expect(await store.getDataService(app, 'nope')).toBeNull();
        expect(await codeOf(store.createDataService({ app: 'no-such-app', name: 'db', type: 'redis', credentials }))).toBe('APP_NOT_FOUND');
        expect(await store.deleteDataService(app, 'cache')).toBe(true);
        expect(await store.deleteDataService(app, 'cache')).toBe(false);
        await store.deleteApp(app);
        expect(await store.listDataServices(app)).toEqual([]);
      });

      it('numbers builds per app and records their outcome', async () => {
        const app = await newApp();
        const other = await newApp();
        const b1 = await store.createBuild(app, uniq('b'), true);
        const b2 = await store.createBuild(app, uniq('b'), false);
        const o1 = await store.createBuild(other, uniq('b'), false);
        const b3 = await store.createBuild(app, uniq('b'), false);
        expect([b1.number, b2.number, b3.number, o1.number]).toEqual([1, 2, 3, 1]);
        expect(b1).toEqual({
          id: b1.id, app, number: 1, status: 'running', clean: true, error: null,
          createdAt: expect.any(Date), finishedAt: null,
        });

        await store.finishBuild(b1.id, 'succeeded');
        await store.finishBuild(b2.id, 'failed', 'BUILD_FAILED');
        expect(await store.getBuild(b1.id)).toMatchObject({ status: 'succeeded', error: null, finishedAt: expect.any(Date) });
        expect(await store.getBuild(b2.id)).toMatchObject({ status: 'failed', error: 'BUILD_FAILED', finishedAt: expect.any(Date) });
        expect((await store.listBuilds(app)).map((b) => [b.number, b.status])).toEqual([
          [3, 'running'], [2, 'failed'], [1, 'succeeded'],
        ]);
        expect(await store.getBuild('no-such-build')).toBeNull();
        expect(await codeOf(store.createBuild('no-such-app', uniq('b'), false))).toBe('APP_NOT_FOUND');
      });

      it('returns build log lines in the order they were appended', async () => {
        const app = await newApp();
        const id = uniq('b');
        await store.createBuild(app, id, false);
        await store.appendBuildLog(id, ['step 1', 'it\'s "quoted", {braced}, \\back']);
        await store.appendBuildLog(id, []);
        await store.appendBuildLog(id, ['', 'nul\u0000byte', 'ünïcode ✓']);
        expect(await store.getBuildLog(id)).toEqual([
          'step 1', 'it\'s "quoted", {braced}, \\back', '', 'nul\uFFFDbyte', 'ünïcode ✓',
        ]);
        const seqs = await store.db.query<{ seq: number }>('SELECT seq FROM build_logs WHERE build_id = $1 ORDER BY seq', [id]);
        expect(seqs.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(await store.getBuildLog('no-such-build')).toEqual([]);
        await store.appendBuildLog('no-such-build', ['dropped']); // app deleted mid-build: nothing to record on
        expect(await count('build_logs WHERE build_id = $1', ['no-such-build'])).toBe(0);
      });

      it('numbers releases v1, v2 … and keeps spec, images and env', async () => {
        const app = await newApp();
        const richSpec = { file: 'paas.yml', services: { www: { type: 'python' } } } as unknown as AppSpec;
        const r1 = await store.createRelease({ app, buildId: 'b1', spec: richSpec, images: { www: 'sha256:aa' }, env: { KEY: 'v=1' } });
        const r2 = await store.createRelease({ app, buildId: 'b2', spec, images: {}, env: {} });
        expect(r1).toEqual({
          id: 'v1', app, version: 1, buildId: 'b1', spec: richSpec, images: { www: 'sha256:aa' }, env: { KEY: 'v=1' },
          status: 'pending', createdAt: expect.any(Date), cause: { kind: 'push' }, actor: null,
        });
        expect([r2.id, r2.version, r2.status]).toEqual(['v2', 2, 'pending']);
        expect(await store.getRelease(app, 'v1')).toEqual(r1);
        expect(await store.getRelease(app, 'v9')).toBeNull();
        expect((await store.listReleases(app)).map((r) => r.id)).toEqual(['v2', 'v1']);
        expect(await store.getActiveRelease(app)).toBeNull();
        expect(await codeOf(store.createRelease({ app: 'no-such-app', buildId: 'b', spec, images: {}, env: {} }))).toBe('APP_NOT_FOUND');
      });

      it('activateRelease leaves exactly one active release and supersedes the previous one', async () => {
        const app = await newApp();
        for (let i = 0; i < 3; i++) await store.createRelease({ app, buildId: `b${i}`, spec, images: {}, env: {} });
        const statuses = async () => (await store.listReleases(app)).map((r) => `${r.id}:${r.status}`);

        await store.activateRelease(app, 'v1');
        expect(await statuses()).toEqual(['v3:pending', 'v2:pending', 'v1:active']);
        await store.activateRelease(app, 'v2');
        expect(await statuses()).toEqual(['v3:pending', 'v2:active', 'v1:superseded']);
        await store.activateRelease(app, 'v2'); // already active: unchanged
        expect(await statuses()).toEqual(['v3:pending', 'v2:active', 'v1:superseded']);
        await store.failRelease(app, 'v3');
        expect(await statuses()).toEqual(['v3:failed', 'v2:active', 'v1:superseded']);
        // Rolling back to an older release is an activation too.
        await store.activateRelease(app, 'v1');
        expect(await statuses()).toEqual(['v3:failed', 'v2:superseded', 'v1:active']);
        expect((await store.getActiveRelease(app))?.id).toBe('v1');
        expect(await count(`releases WHERE app = $1 AND status = 'active'`, [app])).toBe(1);

        expect(await codeOf(store.activateRelease(app, 'v7'))).toBe('RELEASE_NOT_FOUND');
        expect((await store.getActiveRelease(app))?.id).toBe('v1');
      });

      it('the schema itself refuses a second active release', async () => {
        const app = await newApp();
        await store.createRelease({ app, buildId: 'b', spec, images: {}, env: {} });
        await store.createRelease({ app, buildId: 'b', spec, images: {}, env: {} });
        await store.activateRelease(app, 'v1');
        const err = await store.db
          .query(`UPDATE releases SET status = 'active' WHERE app = $1 AND id = 'v2'`, [app])
          .then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(DbError);
        expect((err as DbError).code).toBe('23505');
        expect((err as DbError).constraint).toBe('releases_one_active');
      });

      it('failInterrupted fails running builds and pending releases only', async () => {
        // Settle what earlier tests left running, so the counts below are exact.
        await store.failInterrupted();
        const app = await newApp();
        const running1 = await store.createBuild(app, uniq('b'), false);
        const running2 = await store.createBuild(app, uniq('b'), false);
        const done = await store.createBuild(app, uniq('b'), false);
        await store.finishBuild(done.id, 'succeeded');
        await store.createRelease({ app, buildId: done.id, spec, images: {}, env: {} });
        await store.createRelease({ app, buildId: done.id, spec, images: {}, env: {} });
        await store.activateRelease(app, 'v1');

        expect(await store.failInterrupted()).toEqual({ builds: 2, releases: 1 });
        for (const b of [running1, running2]) {
          expect(await store.getBuild(b.id)).toMatchObject({ status: 'failed', error: 'INTERNAL', finishedAt: expect.any(Date) });
        }
        expect(await store.getBuild(done.id)).toMatchObject({ status: 'succeeded', error: null });
        expect((await store.listReleases(app)).map((r) => `${r.id}:${r.status}`)).toEqual(['v2:failed', 'v1:active']);
        expect(await store.failInterrupted()).toEqual({ builds: 0, releases: 0 });
      });

      it('records audit events, newest first, per app', async () => {
        const app = await newApp();
        const other = await newApp();
        await store.addEvent({ app, actor: 'alice', action: 'app.create' });
        await store.addEvent({ app: other, actor: 'bob', action: 'app.create' });
        await store.addEvent({ app, actor: 'alice', action: 'scale', detail: { www: 2 } });
        await store.addEvent({ app: null, actor: 'root', action: 'user.create', detail: { name: 'carol' } });
        await store.addEvent({ app, actor: 'bob', action: 'push', detail: { build: 'b1', nested: { ok: true } } });

        const events = await store.listEvents(app);
        expect(events.map((e) => [e.actor, e.action, e.detail])).toEqual([
          ['bob', 'push', { build: 'b1', nested: { ok: true } }],
          ['alice', 'scale', { www: 2 }],
          ['alice', 'app.create', {}],
        ]);
        expect(events[0]).toEqual({ id: expect.any(Number), app, actor: 'bob', action: 'push', detail: expect.any(Object), at: expect.any(Date) });
        expect((await store.listEvents(app, 2)).map((e) => e.action)).toEqual(['push', 'scale']);
        expect((await store.listEvents(other)).map((e) => e.actor)).toEqual(['bob']);
      });

      it('gives 10 concurrent createRelease calls distinct versions', async () => {
        const app = await newApp();
        const made = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.createRelease({ app, buildId: `b${i}`, spec, images: {}, env: {} })),
        );
        expect(made.map((r) => r.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        for (const r of made) expect(r.id).toBe(`v${r.version}`);
      });

      it('gives 10 concurrent createBuild calls distinct numbers and keeps concurrent log batches whole', async () => {
        const app = await newApp();
        const builds = await Promise.all(Array.from({ length: 10 }, () => store.createBuild(app, uniq('b'), false)));
        expect(builds.map((b) => b.number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

        const id = builds[0]!.id;
        await Promise.all(Array.from({ length: 5 }, (_, i) => store.appendBuildLog(id, [`${i}a`, `${i}b`, `${i}c`])));
        const log = await store.getBuildLog(id);
        expect(log).toHaveLength(15);
        for (let at = 0; at < 15; at += 3) {
          const i = log[at]!.slice(0, -1);
          expect(log.slice(at, at + 3)).toEqual([`${i}a`, `${i}b`, `${i}c`]);
        }
      });

      it('keeps env values (secrets) out of database errors', async () => {
        const app = await newApp();
        const secret = 'hunter2-very-secret';
        // buildId NULL violates NOT NULL: a database error while env is among the parameters.
        const err = await store
          .createRelease({ app, buildId: null as unknown as string, spec, images: {}, env: { PASSWORD: secret } })
          .then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(DbError);
        expect((err as DbError).code).toBe('23502');
        expect(inspect(err, { depth: 10, showHidden: true })).not.toContain(secret);
        expect(JSON.stringify(err)).not.toContain(secret);
      });
    });
  },
);

describe.skipIf(pgTarget.kind !== 'url')('app locks (postgres)', () => {
  it('two API processes on one database cannot hold one app at once; a closed process releases its lock', async () => {
    if (pgTarget.kind !== 'url') return;
    const { url, drop } = await createTestDatabase(pgTarget.url);
    const a = await openSqlStore({ databaseUrl: url, dataDir: '/nonexistent' });
    const b = await openSqlStore({ databaseUrl: url, dataDir: '/nonexistent' });
    try {
      const held = await a.tryLockApp('blog');
      expect(held).toBeTypeOf('function');
      expect(await b.tryLockApp('blog')).toBeNull();
      expect(await a.tryLockApp('blog')).toBeNull(); // also within one process
      const other = await b.tryLockApp('other');
      expect(other).toBeTypeOf('function');
      await held!();
      const again = await b.tryLockApp('blog');
      expect(again).toBeTypeOf('function');
      // A process that goes away (its connection ends) releases what it held.
      await b.close();
      expect(await a.tryLockApp('blog')).toBeTypeOf('function');
    } finally {
      await a.close();
      await b.close().catch(() => undefined);
      await drop();
    }
  });
});

describe.skipIf(pgTarget.kind !== 'url')('migrations (postgres)', () => {
  it('two processes migrating one new database at once apply each migration once', async () => {
    if (pgTarget.kind !== 'url') return;
    const { url, drop } = await createTestDatabase(pgTarget.url);
    const [a, b] = await Promise.all([openPostgres(url), openPostgres(url)]);
    try {
      const applied = await Promise.all([migrate(a), migrate(b)]);
      const all = migrations.map((m) => m.id);
      expect(applied.map((x) => x.length).sort()).toEqual([0, all.length]);
      expect(applied.flat()).toEqual(all);
      expect((await a.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id')).map((r) => r.id)).toEqual(all);
    } finally {
      await a.close();
      await b.close();
      await drop();
    }
  });
});
