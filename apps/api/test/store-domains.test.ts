import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEdges } from '../src/app-edges.js';
import type { SqlStore } from '../src/store/sql-store.js';
import { codeOf, postgresGuard, storeDrivers } from './helpers/store-drivers.js';

postgresGuard('store domains');

describe.each(storeDrivers)('custom domains and the HTTPS switch in the store ($name)', (driver) => {
  let store: SqlStore;
  let dispose: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (driver.skip) return;
    ({ store, dispose } = await driver.open());
    await store.createUser('owner', false, 'hash-owner');
    for (const app of ['one', 'two', 'three']) await store.createApp(app, 'owner');
  });
  afterAll(async () => {
    await dispose?.();
  });

  describe.skipIf(driver.skip)('behaviour', () => {
    it('adds, lists and removes domains; the same domain on another app is DOMAIN_TAKEN and changes nothing', async () => {
      const row = await store.addDomain('one', 'www.example.com');
      expect(row).toEqual({ name: 'www.example.com', app: 'one', createdAt: expect.any(Date) });
      // The same app again: the row it has.
      expect(await store.addDomain('one', 'www.example.com')).toEqual(row);
      await store.addDomain('one', '*.example.com');
      expect(await codeOf(store.addDomain('two', 'www.example.com'))).toBe('DOMAIN_TAKEN');
      expect(await codeOf(store.addDomain('nope', 'a.example.com'))).toBe('APP_NOT_FOUND');
      expect((await store.listDomains('one')).map((d) => d.name)).toEqual(['*.example.com', 'www.example.com']);
      expect(await store.listDomains('two')).toEqual([]);
      await store.addDomain('two', 'two.example.net');
      expect((await store.listDomains()).map((d) => `${d.app}:${d.name}`)).toEqual(['one:*.example.com', 'two:two.example.net', 'one:www.example.com']);
      // Only the app that holds it removes it.
      expect(await store.removeDomain('two', 'www.example.com')).toBe(false);
      expect(await store.removeDomain('one', 'www.example.com')).toBe(true);
      expect(await store.removeDomain('one', 'www.example.com')).toBe(false);
      expect((await store.addDomain('two', 'www.example.com')).app).toBe('two');
    });

    it('keeps the HTTPS switch per app, off when never set', async () => {
      expect(await store.getHttps('three')).toEqual({ app: 'three', redirect: false, hstsMaxAge: null });
      expect(await store.setHttps('three', { redirect: true, hstsMaxAge: null })).toEqual({ app: 'three', redirect: true, hstsMaxAge: null });
      expect(await store.setHttps('three', { redirect: true, hstsMaxAge: 31_536_000 })).toEqual({ app: 'three', redirect: true, hstsMaxAge: 31_536_000 });
      expect(await store.getHttps('three')).toEqual({ app: 'three', redirect: true, hstsMaxAge: 31_536_000 });
      expect(await store.getHttps('two')).toEqual({ app: 'two', redirect: false, hstsMaxAge: null });
      expect((await store.listHttps()).map((h) => h.app)).toEqual(['three']);
      expect(await codeOf(store.setHttps('nope', { redirect: true, hstsMaxAge: null }))).toBe('APP_NOT_FOUND');
    });

    it('loads every edge in two queries and one app alone', async () => {
      const all = await loadEdges(store);
      expect(all.get('one')).toEqual({ domains: ['*.example.com'], httpsRedirect: false, hstsMaxAge: null });
      expect(all.get('two')).toEqual({ domains: ['two.example.net', 'www.example.com'], httpsRedirect: false, hstsMaxAge: null });
      expect(all.get('three')).toEqual({ domains: [], httpsRedirect: true, hstsMaxAge: 31_536_000 });
      expect([...(await loadEdges(store, 'three')).entries()]).toEqual([['three', all.get('three')]]);
      await store.setHttps('three', { redirect: false, hstsMaxAge: null });
      expect((await loadEdges(store, 'three')).size).toBe(0);
    });

    it('deleting an app deletes its domains and settings (cascade), so the names are free again', async () => {
      await store.createApp('gone', 'owner');
      await store.addDomain('gone', 'gone.example.com');
      await store.setHttps('gone', { redirect: true, hstsMaxAge: 60 });
      await store.deleteApp('gone');
      expect((await store.listDomains()).some((d) => d.app === 'gone')).toBe(false);
      expect((await store.listHttps()).some((h) => h.app === 'gone')).toBe(false);
      expect((await store.addDomain('one', 'gone.example.com')).app).toBe('one');
    });
  });
});
