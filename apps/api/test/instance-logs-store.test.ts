import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStore } from '../src/store/sql-store.js';
import { postgresGuard, storeDrivers } from './helpers/store-drivers.js';

// Retention of retired instances' output (paas logs), on both drivers.

postgresGuard('instance logs store');

/** Times one second apart from a base, in the stored format. */
const at = (s: number): string => `2026-11-29T10:00:${String(s).padStart(2, '0')}.000000000Z`;
const lines = (from: number, to: number, prefix: string) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ time: at(from + i), stream: 'stdout' as const, text: `${prefix} ${from + i}` }));

describe.each(storeDrivers)('instance logs store ($name)', (driver) => {
  let store: SqlStore;
  let dispose: (() => Promise<void>) | undefined;
  let n = 0;
  async function newApp(): Promise<string> {
    const owner = `owner-${++n}`;
    await store.createUser(owner, false, `hash-${owner}`);
    const app = `app-${n}`;
    await store.createApp(app, owner);
    return app;
  }
  const www = (id: string, index: number, release: string) => ({ id, service: 'www', index, release });

  beforeAll(async () => {
    if (driver.skip) return;
    ({ store, dispose } = await driver.open());
  });
  afterAll(async () => {
    await dispose?.();
  });

  describe.skipIf(driver.skip)('behaviour', () => {
    it('keeps an instance\'s lines and lists them oldest first with their instance', async () => {
      const app = await newApp();
      await store.keepInstanceLogs(app, www('c1', 1, 'v1'), [...lines(1, 3, 'a'), { time: at(4), stream: 'stderr', text: 'oops\u0000' }], 100);
      const kept = await store.listInstanceLogs(app);
      expect(kept.map((l) => l.text)).toEqual(['a 1', 'a 2', 'a 3', 'oops\uFFFD']);
      expect(kept[3]).toEqual({ instanceId: 'c1', service: 'www', index: 1, release: 'v1', time: at(4), stream: 'stderr', text: 'oops\uFFFD' });
    });

    it('trims the app to the newest N lines by time, whichever instance wrote them', async () => {
      const app = await newApp();
      const other = await newApp();
      // www.1 and www.2 of v1 wrote alternately; both are retired at once.
      await store.keepInstanceLogs(app, www('c1', 1, 'v1'), lines(1, 10, 'one').filter((_, i) => i % 2 === 0), 6);
      await store.keepInstanceLogs(app, www('c2', 2, 'v1'), lines(1, 10, 'two').filter((_, i) => i % 2 === 1), 6);
      await store.keepInstanceLogs(other, www('c9', 1, 'v1'), lines(1, 3, 'other'), 6);
      expect((await store.listInstanceLogs(app)).map((l) => l.text)).toEqual(['one 5', 'two 6', 'one 7', 'two 8', 'one 9', 'two 10']);
      // A later retirement pushes the oldest out.
      await store.keepInstanceLogs(app, www('c3', 1, 'v2'), lines(20, 22, 'three'), 6);
      expect((await store.listInstanceLogs(app)).map((l) => l.text)).toEqual(['two 8', 'one 9', 'two 10', 'three 20', 'three 21', 'three 22']);
      // The other app is untouched.
      expect(await store.listInstanceLogs(other)).toHaveLength(3);
    });

    it('keeps at most the limit of one instance, and nothing with a limit of 0', async () => {
      const app = await newApp();
      await store.keepInstanceLogs(app, www('c1', 1, 'v1'), lines(1, 50, 'x'), 5);
      expect((await store.listInstanceLogs(app)).map((l) => l.text)).toEqual(['x 46', 'x 47', 'x 48', 'x 49', 'x 50']);
      await store.keepInstanceLogs(app, www('c2', 1, 'v2'), lines(51, 52, 'y'), 0);
      expect(await store.listInstanceLogs(app)).toEqual([]);
    });

    it('keeping an instance again replaces its lines instead of doubling them', async () => {
      const app = await newApp();
      await store.keepInstanceLogs(app, www('c1', 1, 'v1'), lines(1, 3, 'a'), 100);
      await store.keepInstanceLogs(app, www('c1', 1, 'v1'), lines(1, 4, 'a'), 100);
      expect((await store.listInstanceLogs(app)).map((l) => l.text)).toEqual(['a 1', 'a 2', 'a 3', 'a 4']);
    });

    it('filters by service, instance, since, and the last N lines of each instance', async () => {
      const app = await newApp();
      await store.keepInstanceLogs(app, www('c1', 1, 'v1'), lines(1, 5, 'w1'), 100);
      await store.keepInstanceLogs(app, www('c2', 2, 'v1'), lines(6, 10, 'w2'), 100);
      await store.keepInstanceLogs(app, { id: 'c3', service: 'worker', index: 1, release: 'v1' }, lines(11, 12, 'wk'), 100);
      const texts = async (q: Parameters<SqlStore['listInstanceLogs']>[1]) => (await store.listInstanceLogs(app, q)).map((l) => l.text);
      expect(await texts({ service: 'worker' })).toEqual(['wk 11', 'wk 12']);
      expect(await texts({ service: 'www', index: 2 })).toEqual(['w2 6', 'w2 7', 'w2 8', 'w2 9', 'w2 10']);
      expect(await texts({ since: at(9) })).toEqual(['w2 9', 'w2 10', 'wk 11', 'wk 12']);
      expect(await texts({ tail: 1 })).toEqual(['w1 5', 'w2 10', 'wk 12']);
      expect(await texts({ service: 'www', tail: 2, since: at(4) })).toEqual(['w1 4', 'w1 5', 'w2 9', 'w2 10']);
      expect(await texts({ tail: 0 })).toEqual([]);
    });

    it('goes with the app, and an app deleted meanwhile keeps nothing', async () => {
      const app = await newApp();
      await store.keepInstanceLogs(app, www('c1', 1, 'v1'), lines(1, 3, 'a'), 100);
      await store.deleteApp(app);
      const left = await store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM instance_logs WHERE app = $1', [app]);
      expect(left[0]?.n).toBe(0);
      await store.keepInstanceLogs(app, www('c1', 1, 'v1'), lines(1, 3, 'a'), 100);
      expect(await store.listInstanceLogs(app)).toEqual([]);
    });
  });
});
