import type { PushEvent, RouteEntry } from '@paas/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NO_EDGE, loadEdges, withEdge } from '../src/app-edges.js';
import { destroyApp } from '../src/deploy/destroy-app.js';
import { restartService } from '../src/operate/restart-app.js';
import { scaleApp } from '../src/operate/scale-app.js';
import { RouteTableManager } from '../src/route-table.js';
import { APP, scheduler, type Scheduler } from './helpers/scheduler.js';

// Custom domains and the HTTPS switch on every path that routes an app:
// push, scale, restart, the control loop, an API restart, destroy.

const entry = (service: string, ids: string[]): RouteEntry => ({ app: APP, service, targets: ids.map((id) => ({ id, host: '127.0.0.1', port: 1 })) });

describe('withEdge', () => {
  const base = new Map([
    ['blog.localhost', entry('www', ['a'])],
    ['www.blog.localhost', entry('www', ['a'])],
    ['api.blog.localhost', entry('api', ['b'])],
  ]);

  it('routes every domain to the first web service and sets the HTTPS switch on every host', () => {
    const out = withEdge(APP, base, { domains: ['www.example.com', '*.example.com'], httpsRedirect: true, hstsMaxAge: 600 }, 'localhost');
    expect([...out.keys()].sort()).toEqual(['*.example.com', 'api.blog.localhost', 'blog.localhost', 'www.blog.localhost', 'www.example.com']);
    expect(out.get('www.example.com')).toEqual({ ...entry('www', ['a']), httpsRedirect: true, hstsMaxAge: 600 });
    expect(out.get('*.example.com')).toEqual(out.get('blog.localhost'));
    expect(out.get('api.blog.localhost')).toEqual({ ...entry('api', ['b']), httpsRedirect: true, hstsMaxAge: 600 });
  });

  it('leaves the entries as they were with no edge, and drops domains an earlier edge added', () => {
    expect(withEdge(APP, base, NO_EDGE, 'localhost')).toEqual(base);
    const before = withEdge(APP, base, { domains: ['old.example.com'], httpsRedirect: true, hstsMaxAge: 0 }, 'localhost');
    const after = withEdge(APP, before, { domains: ['new.example.com'], httpsRedirect: false, hstsMaxAge: null }, 'localhost');
    expect([...after.keys()].sort()).toEqual(['api.blog.localhost', 'blog.localhost', 'new.example.com', 'www.blog.localhost']);
    expect(after.get('blog.localhost')).toEqual(entry('www', ['a']));
    // Idempotent.
    expect(withEdge(APP, after, { domains: ['new.example.com'], httpsRedirect: false, hstsMaxAge: null }, 'localhost')).toEqual(after);
  });

  it('routes no domain while the app has no web route (never pushed, or no web service)', () => {
    const noWeb = new Map([['api.blog.localhost', entry('api', ['b'])]]);
    expect([...withEdge(APP, noWeb, { domains: ['www.example.com'], httpsRedirect: false, hstsMaxAge: null }, 'localhost').keys()]).toEqual(['api.blog.localhost']);
    expect(withEdge(APP, new Map(), { domains: ['www.example.com'], httpsRedirect: true, hstsMaxAge: null }, 'localhost').size).toBe(0);
  });
});

describe('routes of an app with custom domains', () => {
  let s: Scheduler;
  const events: PushEvent[] = [];
  const emit = (e: PushEvent): void => void events.push(e);
  beforeEach(async () => {
    s = await scheduler();
  });
  afterEach(async () => {
    await s?.close();
  });

  async function push(): Promise<string> {
    const unlock = await s.locks.acquire(APP);
    try {
      const r = await s.release();
      await s.deployer.retire(APP, await s.deployer.deploy(r, emit));
      return r.id;
    } finally {
      await unlock();
    }
  }
  const addDomain = async (name: string): Promise<void> => {
    await s.store.addDomain(APP, name);
    await s.routes.refreshEdges(APP);
  };
  /** The domain routes exactly what `<app>.localhost` routes. */
  const sameAsApp = (host: string): void => {
    expect(s.router.table.routes[host], host).toBeDefined();
    expect(s.router.table.routes[host]).toEqual(s.router.table.routes['blog.localhost']);
  };

  it('a domain added before the first push is routed by the push; push, scale and restart keep it on the current targets', async () => {
    await addDomain('www.example.com');
    expect(s.router.table.routes['www.example.com']).toBeUndefined();
    await push();
    sameAsApp('www.example.com');
    await push();
    sameAsApp('www.example.com');
    expect(s.router.targets('www.example.com')[0]).toMatch(/^blog\.www\.v2\.1\./);
    await scaleApp(s.store, s.deployer, APP, { www: 3 }, emit);
    expect(s.router.targets('www.example.com')).toHaveLength(3);
    sameAsApp('www.example.com');
    await restartService(s.store, s.deployer, APP, 'www', undefined, emit);
    sameAsApp('www.example.com');
    expect(s.router.table.routes['www.example.com']?.service).toBe('www');
  });

  it('add and rm change the router before they resolve; a wildcard is a key of its own', async () => {
    await push();
    await addDomain('*.example.com');
    sameAsApp('*.example.com');
    await addDomain('www.example.org');
    sameAsApp('www.example.org');
    expect(await s.store.removeDomain(APP, '*.example.com')).toBe(true);
    await s.routes.refreshEdges(APP);
    expect(s.router.table.routes['*.example.com']).toBeUndefined();
    sameAsApp('www.example.org');
  });

  it('the HTTPS switch is on every host of the app, domains included, and off again', async () => {
    await push();
    await addDomain('www.example.com');
    await s.store.setHttps(APP, { redirect: true, hstsMaxAge: 31_536_000 });
    await s.routes.refreshEdges(APP);
    for (const host of ['blog.localhost', 'www.blog.localhost', 'www.example.com']) {
      expect(s.router.table.routes[host], host).toMatchObject({ httpsRedirect: true, hstsMaxAge: 31_536_000 });
    }
    await scaleApp(s.store, s.deployer, APP, { www: 2 }, emit);
    expect(s.router.table.routes['www.example.com']).toMatchObject({ httpsRedirect: true, hstsMaxAge: 31_536_000 });
    await s.store.setHttps(APP, { redirect: false, hstsMaxAge: null });
    await s.routes.refreshEdges(APP);
    for (const [host, e] of Object.entries(s.router.table.routes)) {
      expect([host, 'httpsRedirect' in e, 'hstsMaxAge' in e]).toEqual([host, false, false]);
    }
  });

  it('the control loop keeps the domains and pushes no table when nothing changed', async () => {
    await push();
    await addDomain('www.example.com');
    const tables = s.router.tables.length;
    expect(await s.reconciler.passApp(APP, true)).toBe(true);
    expect(s.router.tables.length).toBe(tables);
    sameAsApp('www.example.com');
    // An instance dies: the loop starts another and the domain follows it.
    const www = (await s.runtime.listInstances({ app: APP, service: 'www' }))[0]!;
    await s.runtime.removeInstance(www.id);
    expect(await s.reconciler.passApp(APP, true)).toBe(true);
    expect(s.router.targets('www.example.com')).toHaveLength(1);
    expect(s.router.targets('www.example.com')[0]).not.toContain(www.id.slice(0, 12));
    sameAsApp('www.example.com');
  });

  it('a domain added while a push switches is kept: both run in one chain of changes', async () => {
    await push();
    const pushing = push();
    // Let the push reach its switch while the domain is added.
    await Promise.all([pushing, addDomain('www.example.com')]);
    sameAsApp('www.example.com');
    expect(s.router.targets('www.example.com')[0]).toMatch(/^blog\.www\.v2\.1\./);
  });

  it('a new API process reads the domains at start and its first pass keeps them; a full resync drops what the store no longer has', async () => {
    await push();
    await addDomain('www.example.com');
    const fresh = new RouteTableManager(s.router, { domain: 'localhost', load: (app) => loadEdges(s.store, app) });
    await fresh.init();
    expect(fresh.withEdge(APP, new Map([['blog.localhost', s.router.table.routes['blog.localhost']!]])).has('www.example.com')).toBe(true);
    // Another process removed the domain: the resync sees it.
    await s.store.removeDomain(APP, 'www.example.com');
    await s.reconciler.resyncAll();
    expect(s.router.table.routes['www.example.com']).toBeUndefined();
    expect(s.router.targets('blog.localhost')).toHaveLength(1);
  });

  it('destroy removes the domains and their routes; a new app of that name starts with none', async () => {
    await push();
    await addDomain('www.example.com');
    await s.store.setHttps(APP, { redirect: true, hstsMaxAge: null });
    await s.routes.refreshEdges(APP);
    await destroyApp(s, APP);
    expect(s.router.table.routes).toEqual({});
    expect(await s.store.listDomains()).toEqual([]);
    await s.store.createApp(APP, 'admin');
    expect(await s.store.getHttps(APP)).toEqual({ app: APP, redirect: false, hstsMaxAge: null });
    await push();
    expect(Object.keys(s.router.table.routes).sort()).toEqual(['blog.localhost', 'www.blog.localhost']);
    expect(s.router.table.routes['blog.localhost']).not.toHaveProperty('httpsRedirect');
  });
});
