import type { InstanceInfo } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { liveInstances } from '../src/operate/live-instances.js';

const inst = (name: string, state: InstanceInfo['state'], uptime = 1): InstanceInfo => ({ name, service: 'www', release: 'v1', state, restarts: 0, uptime, exitCode: null });

/** A watcher over a list the test changes, with engine events the test raises. */
function harness(opts: { tickMs?: number; statsMs?: number; slowStats?: boolean; figures?: boolean } = {}) {
  let list: InstanceInfo[] = [inst('www.1', 'healthy')];
  let wake = (): void => undefined;
  const sent: { at: number; list: InstanceInfo[] }[] = [];
  let lists = 0;
  const abort = new AbortController();
  const done = liveInstances({
    list: async () => {
      lists++;
      return list.map((i) => ({ ...i }));
    },
    stats: async (l) => {
      if (opts.slowStats) await new Promise((r) => setTimeout(r, 400));
      if (!opts.figures) return new Map();
      return new Map(l.map((i) => [i.name, { cpuPercent: 5, memoryBytes: 1000, memoryLimitBytes: 2000 }]));
    },
    subscribe: (w) => {
      wake = w;
      return () => (wake = () => undefined);
    },
    send: async (l) => void sent.push({ at: Date.now(), list: l }),
    signal: abort.signal,
    tickMs: opts.tickMs ?? 60_000,
    statsMs: opts.statsMs ?? 60_000,
  });
  return {
    sent,
    lists: () => lists,
    set: (l: InstanceInfo[]) => (list = l),
    event: () => wake(),
    stop: async () => {
      abort.abort();
      await done;
    },
  };
}

const until = async (cond: () => boolean, ms = 2_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('liveInstances', () => {
  it('sends the list at once, then again on an engine event that changed it, and not when nothing changed', async () => {
    const h = harness();
    await until(() => h.sent.length === 1);
    expect(h.sent[0]?.list.map((i) => i.name)).toEqual(['www.1']);
    h.event();
    await until(() => h.lists() === 2);
    await new Promise((r) => setTimeout(r, 30));
    expect(h.sent).toHaveLength(1);
    const at = Date.now();
    h.set([inst('www.1', 'healthy'), inst('www.2', 'starting')]);
    h.event();
    await until(() => h.sent.length === 2);
    expect(Date.now() - at).toBeLessThan(200);
    expect(h.sent[1]?.list.map((i) => `${i.name}:${i.state}`)).toEqual(['www.1:healthy', 'www.2:starting']);
    await h.stop();
  });

  it('a change without an engine event (the router\'s view) is found by the periodic re-read', async () => {
    const h = harness({ tickMs: 50 });
    await until(() => h.sent.length === 1);
    h.set([inst('www.1', 'unhealthy')]);
    await until(() => h.sent.length === 2);
    expect(h.sent[1]?.list[0]?.state).toBe('unhealthy');
    await h.stop();
  });

  it('uptime alone is no change; CPU and memory come with a later send and do not hold back a state change', async () => {
    const h = harness({ tickMs: 20, statsMs: 0, slowStats: true, figures: true });
    await until(() => h.sent.length >= 1);
    expect(h.sent[0]?.list[0]?.cpuPercent).toBeUndefined();
    // The figures take 400 ms; a state change meanwhile goes out at once.
    h.set([inst('www.1', 'crashed', 9)]);
    h.event();
    await until(() => h.sent.some((s) => s.list[0]?.state === 'crashed'), 300);
    await until(() => h.sent.some((s) => s.list[0]?.cpuPercent === 5), 2_000);
    await h.stop();
  });

  it('stops reading when the client goes away', async () => {
    const h = harness({ tickMs: 10 });
    await until(() => h.sent.length === 1);
    await h.stop();
    const n = h.lists();
    await new Promise((r) => setTimeout(r, 60));
    expect(h.lists()).toBe(n);
  });
});
