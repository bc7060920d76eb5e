import { describe, expect, it } from 'vitest';
import { AppLocks } from '../src/locks.js';
import type { Store } from '../src/store/types.js';

/** The store's lock, in memory: one holder per app. */
function memoryLocks(): Pick<Store, 'tryLockApp'> {
  const held = new Set<string>();
  return {
    async tryLockApp(app) {
      if (held.has(app)) return null;
      held.add(app);
      return async () => void held.delete(app);
    },
  };
}

describe('AppLocks', () => {
  it('an operation arriving during housekeeping waits for it instead of failing', async () => {
    const locks = new AppLocks(memoryLocks(), 50);
    let finish!: () => void;
    const pruning = locks.housekeep('blog', () => new Promise<void>((r) => (finish = r)));
    await new Promise((r) => setTimeout(r, 10));
    const order: string[] = [];
    const op = locks.acquire('blog', 'push').then((release) => {
      order.push('acquired');
      return release;
    });
    await new Promise((r) => setTimeout(r, 200)); // well past the 50 ms an operation otherwise waits
    order.push('pruned');
    finish();
    expect(await pruning).toBe(true);
    const release = await op;
    expect(order).toEqual(['pruned', 'acquired']);
    await release();
  });

  it('housekeeping is skipped when an operation holds the lock, and a held lock still fails an operation with DEPLOY_LOCKED', async () => {
    const locks = new AppLocks(memoryLocks(), 50);
    const release = await locks.acquire('blog');
    let ran = false;
    expect(await locks.housekeep('blog', async () => void (ran = true))).toBe(false);
    expect(ran).toBe(false);
    await expect(locks.acquire('blog', 'scale')).rejects.toMatchObject({ code: 'DEPLOY_LOCKED' });
    await release();
    expect(await locks.housekeep('blog', async () => void (ran = true))).toBe(true);
    expect(ran).toBe(true);
  });

  it('a failing housekeeping task releases the lock', async () => {
    const locks = new AppLocks(memoryLocks(), 50);
    await expect(locks.housekeep('blog', async () => Promise.reject(new Error('engine gone')))).rejects.toThrow('engine gone');
    const release = await locks.acquire('blog');
    await release();
  });
});
