import type { AppSpec } from '@paas/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStore } from '../src/store/sql-store.js';
import { codeOf, postgresGuard, storeDrivers } from './helpers/store-drivers.js';

postgresGuard('store env and release causes');

const spec: AppSpec = { file: 'paas.yml', services: {} };

describe.each(storeDrivers)('store env and release causes ($name)', (driver) => {
  let store: SqlStore;
  let dispose: (() => Promise<void>) | undefined;
  let seq = 0;
  async function newApp(): Promise<string> {
    const n = ++seq;
    await store.createUser(`owner-${n}`, false, `hash-${n}`);
    await store.createApp(`app-${n}`, `owner-${n}`);
    return `app-${n}`;
  }
  beforeAll(async () => {
    if (driver.skip) return;
    ({ store, dispose } = await driver.open());
  });
  afterAll(async () => {
    await dispose?.();
  });

  describe.skipIf(driver.skip)('behaviour', () => {
    it('keeps values byte for byte: shell syntax, quotes, =, newlines, Unicode and 60 KiB', async () => {
      const app = await newApp();
      const values = {
        SHELL: '$(id) `id` $HOME ${X}',
        QUOTES: `'a' "b" \\c`,
        EQUALS: 'a=b==c=',
        LINES: 'one\ntwo\r\nthree\n',
        UNICODE: 'héllo ✓ 🚀',
        EMPTY: '',
        BIG: 'x'.repeat(60 * 1024),
      };
      expect(await store.getAppEnv(app)).toEqual({});
      const after = await store.updateAppEnv(app, values, []);
      expect(after).toEqual(values);
      expect(await store.getAppEnv(app)).toEqual(values);
    });

    it('sets and unsets in one change, and a change past 1 MiB changes nothing', async () => {
      const app = await newApp();
      await store.updateAppEnv(app, { A: '1', B: '2', C: '3' }, []);
      expect(await store.updateAppEnv(app, { A: 'one', D: '4' }, ['B', 'NOT_THERE'])).toEqual({ A: 'one', C: '3', D: '4' });
      const parts = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`P${i}`, 'z'.repeat(63 * 1024)]));
      await store.updateAppEnv(app, parts, []);
      expect(await codeOf(store.updateAppEnv(app, { LAST: 'z'.repeat(63 * 1024) }, ['A']))).toBe('ENV_TOO_LARGE');
      const env = await store.getAppEnv(app);
      expect(env.A).toBe('one');
      expect(env.LAST).toBeUndefined();
    });

    it('refuses bad names, NUL and values over 64 KiB; an unknown app is APP_NOT_FOUND', async () => {
      const app = await newApp();
      for (const key of ['BAD=KEY', 'A B', '1A', '', 'A\u0000B', 'A\nB', 'PORT', 'PAAS_APP']) {
        expect(await codeOf(store.updateAppEnv(app, { [key]: 'x' }, [])), JSON.stringify(key)).toBe('ENV_INVALID');
      }
      expect(await codeOf(store.updateAppEnv(app, { OK: 'a\u0000b' }, []))).toBe('ENV_INVALID');
      expect(await codeOf(store.updateAppEnv(app, { OK: 'x'.repeat(64 * 1024 + 1) }, []))).toBe('ENV_TOO_LARGE');
      expect(await codeOf(store.updateAppEnv('no-such-app', { OK: 'x' }, []))).toBe('APP_NOT_FOUND');
      expect(await store.getAppEnv(app)).toEqual({});
    });

    it('replaceAppEnv puts back a whole env (a rollback)', async () => {
      const app = await newApp();
      await store.updateAppEnv(app, { A: '1', B: '2' }, []);
      await store.replaceAppEnv(app, { C: 'three\n' });
      expect(await store.getAppEnv(app)).toEqual({ C: 'three\n' });
      await store.replaceAppEnv(app, {});
      expect(await store.getAppEnv(app)).toEqual({});
    });

    it('records what made each release and who; env changes keep names only', async () => {
      const app = await newApp();
      const push = await store.createRelease({ app, buildId: 'b1', spec, images: { www: 'sha256:a' }, env: {}, actor: 'alice' });
      const env = await store.createRelease({
        app, buildId: 'b1', spec, images: { www: 'sha256:a' }, env: { SECRET: 'v' },
        cause: { kind: 'env', set: ['SECRET'], unset: ['OLD'] }, actor: 'bob',
      });
      const back = await store.createRelease({ app, buildId: 'b1', spec, images: { www: 'sha256:a' }, env: {}, cause: { kind: 'rollback', to: 'v1' }, actor: 'alice' });
      expect(push).toMatchObject({ id: 'v1', cause: { kind: 'push' }, actor: 'alice' });
      expect(env).toMatchObject({ id: 'v2', cause: { kind: 'env', set: ['SECRET'], unset: ['OLD'] }, actor: 'bob' });
      expect(back).toMatchObject({ id: 'v3', cause: { kind: 'rollback', to: 'v1' } });
      await store.failRelease(app, 'v3');
      const listed = await store.listReleases(app);
      expect(listed.map((r) => `${r.id} ${r.status} ${r.cause.kind}`)).toEqual(['v3 failed rollback', 'v2 pending env', 'v1 pending push']);
      const raw = await store.db.query<{ cause: unknown }>('SELECT cause FROM releases WHERE app = $1 AND id = $2', [app, 'v2']);
      expect(JSON.stringify(raw)).not.toContain('"v"');
    });

    it('the app env goes with the app', async () => {
      const app = await newApp();
      await store.updateAppEnv(app, { A: '1' }, []);
      await store.deleteApp(app);
      expect(await store.getAppEnv(app)).toEqual({});
    });
  });
});
