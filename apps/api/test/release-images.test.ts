import type { AppSpec } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { AppLocks } from '../src/locks.js';
import { imagesToKeep, isKept, pruneUnderLock } from '../src/releases/prune-images.js';
import { canonicalJson, isUnchanged, sameSpec } from '../src/releases/same-release.js';
import type { Runtime } from '../src/runtime/types.js';
import type { ReleaseRow, ReleaseStatus, Store } from '../src/store/types.js';

const spec: AppSpec = { file: 'paas.yml', services: {} };
function release(version: number, status: ReleaseStatus, images: Record<string, string>, env: Record<string, string> = {}): ReleaseRow {
  return { id: `v${version}`, app: 'a', version, buildId: `b${version}`, spec, images, env, status, createdAt: new Date(), cause: { kind: 'push' }, actor: null };
}

describe('imagesToKeep', () => {
  it('keeps the images of the newest N releases that served, shared ones once, and drops failed and older ones', () => {
    const releases = [
      release(6, 'active', { www: 'img-c' }),          // env change on top of v5's images
      release(5, 'superseded', { www: 'img-c' }),
      release(4, 'failed', { www: 'img-broken' }),
      release(3, 'superseded', { www: 'img-a' }),      // rollback to v1: v1's images
      release(2, 'superseded', { www: 'img-b', worker: 'img-w' }),
      release(1, 'superseded', { www: 'img-a' }),
    ];
    expect(imagesToKeep(releases, 3).sort()).toEqual(['img-a', 'img-c']);
    // v1 is not among the newest 3, but its image is, through v3: it may still be rolled back to.
    expect(isKept(releases[5] as ReleaseRow, releases, 3)).toBe(true);
    expect(isKept(releases[4] as ReleaseRow, releases, 3)).toBe(false);
    expect(imagesToKeep(releases, 10).sort()).toEqual(['img-a', 'img-b', 'img-c', 'img-w']);
    expect(imagesToKeep(releases, 10)).not.toContain('img-broken');
  });

  it('always keeps the active release, even with N = 1 or when it is not the newest', () => {
    const releases = [release(3, 'failed', { www: 'x' }), release(2, 'superseded', { www: 'y' }), release(1, 'active', { www: 'z' })];
    expect(imagesToKeep(releases, 1)).toEqual(['y', 'z']);
    expect(imagesToKeep(releases, 0)).toEqual(['y', 'z']);
    expect(imagesToKeep([], 10)).toEqual([]);
  });
});

describe('a push that changes nothing', () => {
  const contents = new Map([
    ['sha256:old', 'same'],
    ['sha256:new', 'same'],
    ['sha256:other', 'different'],
  ]);
  const runtime = { imageContent: async (ref: string) => contents.get(ref) ?? null } as unknown as Runtime;
  const active = release(3, 'active', { www: 'sha256:old' }, { A: '1' });

  it('is one whose images run the same content with the same spec and env', async () => {
    expect(await isUnchanged(runtime, active, { spec, images: { www: 'sha256:new' }, env: { A: '1' } })).toBe(true);
    expect(await isUnchanged(runtime, active, { spec, images: { www: 'sha256:old' }, env: { A: '1' } })).toBe(true);
  });

  it('is not one with other code, env, spec or services, or when an image is gone', async () => {
    expect(await isUnchanged(runtime, active, { spec, images: { www: 'sha256:other' }, env: { A: '1' } })).toBe(false);
    expect(await isUnchanged(runtime, active, { spec, images: { www: 'sha256:new' }, env: { A: '2' } })).toBe(false);
    expect(await isUnchanged(runtime, active, { spec, images: { www: 'sha256:new' }, env: {} })).toBe(false);
    expect(await isUnchanged(runtime, active, { spec: { file: 'dotcloud.yml', services: {} }, images: { www: 'sha256:new' }, env: { A: '1' } })).toBe(false);
    expect(await isUnchanged(runtime, active, { spec, images: { www: 'sha256:new', worker: 'sha256:new' }, env: { A: '1' } })).toBe(false);
    expect(await isUnchanged(runtime, active, { spec, images: { www: 'sha256:gone' }, env: { A: '1' } })).toBe(false);
    expect(await isUnchanged(runtime, null, { spec, images: { www: 'sha256:old' }, env: { A: '1' } })).toBe(false);
  });

  it('compares specs whatever the key order (the store reorders jsonb keys)', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}');
    const a = { file: 'paas.yml', services: { www: { type: 'python', name: 'www' } } } as unknown as AppSpec;
    const b = { services: { www: { name: 'www', type: 'python' } }, file: 'paas.yml' } as unknown as AppSpec;
    expect(sameSpec(a, b)).toBe(true);
  });
});

describe('pruneUnderLock', () => {
  const releases = [release(3, 'active', { www: 'img-c' }), release(2, 'superseded', { www: 'img-b' }), release(1, 'superseded', { www: 'img-a' })];
  const store = { listReleases: async () => releases } as unknown as Store;
  const runtimeLog = (events: string[], held: () => boolean) =>
    ({
      listAppImages: async () => {
        events.push(`list (lock ${held() ? 'held' : 'free'})`);
        return ['img-a', 'img-b', 'img-c', 'img-failed'];
      },
      removeImages: async (ids: readonly string[]) => {
        events.push(`remove ${[...ids].sort().join(' ')} (lock ${held() ? 'held' : 'free'})`);
        return ids.length;
      },
    }) as unknown as Runtime;

  it('lists what to remove under the lock (as housekeeping) and removes it after, so the next operation never waits for the engine', async () => {
    let held = false;
    const events: string[] = [];
    const locks = new AppLocks({
      tryLockApp: async () => {
        held = true;
        return async () => {
          held = false;
        };
      },
    });
    await pruneUnderLock({ store, runtime: runtimeLog(events, () => held), locks, keepReleases: 2 }, 'a');
    expect(events).toEqual(['list (lock held)', 'remove img-a img-failed (lock free)']);
  });

  it('tries again while the lock is held for a moment (a control-loop pass), and gives up after a few seconds', async () => {
    let busy = 2;
    const events: string[] = [];
    const moment = new AppLocks({ tryLockApp: async () => (busy-- > 0 ? null : async () => undefined) });
    await pruneUnderLock({ store, runtime: runtimeLog(events, () => true), locks: moment, keepReleases: 2 }, 'a');
    expect(events).toEqual(['list (lock held)', 'remove img-a img-failed (lock held)']);

    const never = new AppLocks({ tryLockApp: async () => null });
    const started = Date.now();
    await pruneUnderLock({ store, runtime: { listAppImages: async () => expect.unreachable(), removeImages: async () => expect.unreachable() } as unknown as Runtime, locks: never, keepReleases: 2 }, 'a');
    expect(Date.now() - started).toBeGreaterThan(4_000);
  });
});
