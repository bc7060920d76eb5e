import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformLines } from '../src/logs/platform-line.js';
import { openStore } from '../src/store/index.js';
import type { Store } from '../src/store/types.js';
import { pgliteDataDir } from './helpers/pg.js';

describe('platform lines in paas logs', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const dir = await pgliteDataDir();
    cleanup = dir.cleanup;
    store = await openStore({ dataDir: dir.dataDir });
    await store.createUser('admin', true, 'hash');
    await store.createApp('blog', 'admin');
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
  });

  it('are kept under the instance name, each apart from the instance output and from each other', async () => {
    const note = platformLines(store, 100);
    const www1 = { id: 'c1'.padEnd(64, '0'), app: 'blog', service: 'www', index: 1, release: 'v2' };
    await store.keepInstanceLogs('blog', www1, [{ time: '2026-11-29T10:00:00.000000000Z', stream: 'stdout', text: 'listening' }], 100);
    await note(www1, 'www.1 stopped answering /health after 3 checks 1 s apart: out of the router, restarting');
    await note(www1, 'www.1 was killed: over its memory limit; the engine restarts it');
    const kept = await store.listInstanceLogs('blog');
    expect(kept.map((l) => `${l.service}.${l.index} ${l.release} ${l.stream} ${l.text}`)).toEqual([
      'www.1 v2 stdout listening',
      'www.1 v2 stderr [paas] www.1 stopped answering /health after 3 checks 1 s apart: out of the router, restarting',
      'www.1 v2 stderr [paas] www.1 was killed: over its memory limit; the engine restarts it',
    ]);
    // Ids of their own: a running instance's id never hides them from paas logs.
    expect(kept.slice(1).every((l) => l.instanceId.startsWith(`paas:${www1.id}:`))).toBe(true);
  });
});
