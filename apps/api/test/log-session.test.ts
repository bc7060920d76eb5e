import type { LogFrame } from '@paas/core';
import { describe, expect, it } from 'vitest';
import type { EventListener, EventSource } from '../src/logs/instance-events.js';
import { mergeByTime } from '../src/logs/log-merge.js';
import { parseLogQuery, type LogQuery } from '../src/logs/log-query.js';
import { streamLogs } from '../src/logs/log-session.js';
import { dateKey, timeKey } from '../src/logs/log-time.js';
import type { InstanceState, LogLine, LogOptions } from '../src/runtime/types.js';
import type { RetainedLogLine, RetainedLogQuery } from '../src/store/types.js';

// The log session against a small in-memory runtime: what it sends, in which
// order, and how instances join and leave. The real engine is exercised by
// test/src/logs.test.ts.

/** Times of the lines the fake instances write: now, and never two alike. */
let clock = 0;
const tick = (): string => {
  clock = Math.max(clock + 1, Date.now());
  return new Date(clock).toISOString().replace('Z', '123456Z');
};

class FakeInstance {
  readonly lines: LogLine[] = [];
  readonly followers = new Set<(line: LogLine | null) => void>();
  constructor(readonly state: InstanceState) {}
  write(text: string, stream: LogLine['stream'] = 'stdout'): void {
    const line = { time: tick(), stream, text };
    this.lines.push(line);
    for (const f of this.followers) f(line);
  }
  /** The container stops: follow streams end. */
  stop(): void {
    this.state.running = false;
    for (const f of this.followers) f(null);
  }
}

class FakeRuntime {
  readonly instances = new Map<string, FakeInstance>();
  logCalls: { id: string; opts: LogOptions }[] = [];

  add(app: string, service: string, index: number, release: string): FakeInstance {
    const id = `c${this.instances.size + 1}`;
    const i = new FakeInstance({
      id, name: id, app, service, index, release, running: true, exitCode: null, restartCount: 0, startedAt: new Date(), addresses: {},
    });
    this.instances.set(id, i);
    return i;
  }

  async listInstances(filter: { app?: string; service?: string }): Promise<InstanceState[]> {
    return [...this.instances.values()]
      .map((i) => i.state)
      .filter((s) => (filter.app === undefined || s.app === filter.app) && (filter.service === undefined || s.service === filter.service));
  }

  async inspectInstance(id: string): Promise<InstanceState | null> {
    return this.instances.get(id)?.state ?? null;
  }

  /** Like the engine: the lines so far (since, tail), then, when following a running instance, each new one until it stops. */
  logs(id: string, opts: LogOptions): AsyncIterable<LogLine> {
    this.logCalls.push({ id, opts });
    const i = this.instances.get(id);
    const since = opts.since?.getTime() ?? 0;
    let past = (i?.lines ?? []).filter((l) => Date.parse(l.time) >= since);
    if (opts.tail !== undefined) past = opts.tail === 0 ? [] : past.slice(-opts.tail);
    const queue: (LogLine | null)[] = [...past];
    const following = i !== undefined && opts.follow === true && i.state.running && opts.signal?.aborted !== true;
    if (!following) queue.push(null);
    let wake: (() => void) | null = null;
    const push = (l: LogLine | null): void => {
      queue.push(l);
      wake?.();
    };
    // Taken at once with the past lines, so that nothing written in between is lost.
    if (following) i.followers.add(push);
    const abort = (): void => push(null);
    opts.signal?.addEventListener('abort', abort);
    return (async function* () {
      try {
        for (;;) {
          if (queue.length === 0) await new Promise<void>((r) => (wake = r));
          const next = queue.shift();
          if (next === null || next === undefined) return;
          yield next;
        }
      } finally {
        i?.followers.delete(push);
        opts.signal?.removeEventListener('abort', abort);
      }
    })();
  }
}

class FakeEvents implements EventSource {
  readonly listeners = new Set<{ app: string; fn: EventListener }>();
  subscribe(app: string, fn: EventListener): () => void {
    const entry = { app, fn };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }
  emit(app: string, id: string, action: string): void {
    for (const l of this.listeners) if (l.app === app) l.fn({ app, id, action });
  }
}

function session(runtime: FakeRuntime, query: Partial<LogQuery>, opts: { retained?: RetainedLogLine[]; events?: FakeEvents; relistMs?: number } = {}) {
  const frames: LogFrame[] = [];
  const abort = new AbortController();
  let arrived: (() => void) | null = null;
  const done = streamLogs({
    app: 'blog',
    query: { tail: 100, follow: false, ...query },
    runtime,
    retained: async (q: RetainedLogQuery) =>
      (opts.retained ?? []).filter(
        (l) => (q.service === undefined || l.service === q.service) && (q.index === undefined || l.index === q.index) && (q.since === undefined || l.time >= q.since),
      ),
    events: opts.events ?? new FakeEvents(),
    send: async (f) => {
      frames.push(f);
      arrived?.();
    },
    signal: abort.signal,
    relistMs: opts.relistMs ?? 60_000,
  });
  /** Waits until `n` frames arrived (or fails after 2 s). */
  const until = async (n: number): Promise<LogFrame[]> => {
    const deadline = Date.now() + 2_000;
    while (frames.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} frames, got ${frames.length}: ${JSON.stringify(frames.map((f) => f.text))}`);
      await new Promise<void>((r) => {
        arrived = r;
        setTimeout(r, 20);
      });
    }
    return frames;
  };
  return { frames, done, until, stop: () => abort.abort() };
}

const texts = (frames: LogFrame[]): string[] => frames.map((f) => `${f.instance}@${f.release} ${f.text}`);

describe('the backlog', () => {
  it('interleaves every instance by time, retained lines of retired instances included', async () => {
    const rt = new FakeRuntime();
    const retained: RetainedLogLine[] = [
      { instanceId: 'gone', service: 'www', index: 1, release: 'v1', time: timeKey(tick()), stream: 'stdout', text: 'old one' },
    ];
    const w1 = rt.add('blog', 'www', 1, 'v2');
    const w2 = rt.add('blog', 'www', 2, 'v2');
    rt.add('other', 'www', 1, 'v1').write('not ours');
    w1.write('a');
    w2.write('b');
    w1.write('c', 'stderr');
    const s = session(rt, {}, { retained });
    await s.done;
    expect(texts(s.frames)).toEqual(['www.1@v1 old one', 'www.1@v2 a', 'www.2@v2 b', 'www.1@v2 c']);
    expect(s.frames[3]).toMatchObject({ stream: 'stderr', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/) });
  });

  it('takes the last N lines of each instance, retained ones too, and only lines since', async () => {
    const rt = new FakeRuntime();
    const w1 = rt.add('blog', 'www', 1, 'v2');
    const w2 = rt.add('blog', 'www', 2, 'v2');
    for (let n = 1; n <= 5; n++) {
      w1.write(`one ${n}`);
      w2.write(`two ${n}`);
    }
    const s = session(rt, { tail: 2 });
    await s.done;
    expect(texts(s.frames)).toEqual(['www.1@v2 one 4', 'www.2@v2 two 4', 'www.1@v2 one 5', 'www.2@v2 two 5']);

    const cut = new Date(clock + 1); // after every line so far, at or before the next
    w1.write('late');
    const since = session(rt, { since: cut });
    await since.done;
    expect(texts(since.frames)).toEqual(['www.1@v2 late']);
    expect(rt.logCalls.at(-1)?.opts.since).toEqual(cut);
  });

  it('narrows to a service or one instance', async () => {
    const rt = new FakeRuntime();
    rt.add('blog', 'www', 1, 'v1').write('w1');
    rt.add('blog', 'www', 2, 'v1').write('w2');
    rt.add('blog', 'worker', 1, 'v1').write('k1');
    const retained: RetainedLogLine[] = [
      { instanceId: 'x', service: 'www', index: 2, release: 'v0', time: dateKey(new Date(0)), stream: 'stdout', text: 'kept w2' },
    ];
    const www = session(rt, { target: { service: 'www' } }, { retained });
    await www.done;
    expect(texts(www.frames)).toEqual(['www.2@v0 kept w2', 'www.1@v1 w1', 'www.2@v1 w2']);
    const one = session(rt, { target: { service: 'www', index: 2 } }, { retained });
    await one.done;
    expect(texts(one.frames)).toEqual(['www.2@v0 kept w2', 'www.2@v1 w2']);
  });

  it('does not show twice an instance that is kept but not removed yet', async () => {
    const rt = new FakeRuntime();
    const w1 = rt.add('blog', 'www', 1, 'v1');
    w1.write('once');
    w1.stop();
    const retained: RetainedLogLine[] = [
      { instanceId: w1.state.id, service: 'www', index: 1, release: 'v1', time: timeKey(w1.lines[0]!.time), stream: 'stdout', text: 'once' },
    ];
    const s = session(rt, {}, { retained });
    await s.done;
    expect(texts(s.frames)).toEqual(['www.1@v1 once']);
  });
});

describe('following', () => {
  it('sends new lines as they are written, without repeating the backlog', async () => {
    const rt = new FakeRuntime();
    const w1 = rt.add('blog', 'www', 1, 'v1');
    w1.write('before');
    const s = session(rt, { follow: true });
    await s.until(1);
    w1.write('after 1');
    w1.write('after 2');
    expect(texts(await s.until(3))).toEqual(['www.1@v1 before', 'www.1@v1 after 1', 'www.1@v1 after 2']);
    s.stop();
    await s.done;
  });

  it('follows instances that start later (deploy, scale, restart) and lets stopped ones go', async () => {
    const rt = new FakeRuntime();
    const events = new FakeEvents();
    const w1 = rt.add('blog', 'www', 1, 'v1');
    const s = session(rt, { follow: true }, { events });
    await new Promise((r) => setTimeout(r, 30));
    const w2 = rt.add('blog', 'www', 2, 'v1');
    w2.write('booted before the event');
    events.emit('blog', w2.state.id, 'start');
    await s.until(1);
    w2.write('w2 live');
    w1.write('w1 live');
    w1.stop();
    expect(texts(await s.until(3))).toEqual(['www.2@v1 booted before the event', 'www.2@v1 w2 live', 'www.1@v1 w1 live']);
    // The engine starts w1 again (restart policy): its stream resumes where it stopped.
    w1.state.running = true;
    w1.write('w1 after restart');
    events.emit('blog', w1.state.id, 'start');
    expect(texts(await s.until(4)).at(-1)).toBe('www.1@v1 w1 after restart');
    s.stop();
    await s.done;
    expect(s.frames).toHaveLength(4);
  });

  it('finds an instance whose start event was missed at the next re-list', async () => {
    const rt = new FakeRuntime();
    const s = session(rt, { follow: true }, { relistMs: 50 });
    await new Promise((r) => setTimeout(r, 10));
    const w1 = rt.add('blog', 'www', 1, 'v1');
    w1.write('hello');
    expect(texts(await s.until(1))).toEqual(['www.1@v1 hello']);
    s.stop();
    await s.done;
  });

  it('ignores instances of other services when narrowed', async () => {
    const rt = new FakeRuntime();
    const events = new FakeEvents();
    const s = session(rt, { follow: true, target: { service: 'worker' } }, { events });
    await new Promise((r) => setTimeout(r, 10));
    const w = rt.add('blog', 'www', 1, 'v1');
    w.write('www line');
    events.emit('blog', w.state.id, 'start');
    const k = rt.add('blog', 'worker', 1, 'v1');
    k.write('worker line');
    events.emit('blog', k.state.id, 'start');
    expect(texts(await s.until(1))).toEqual(['worker.1@v1 worker line']);
    await new Promise((r) => setTimeout(r, 30));
    expect(s.frames).toHaveLength(1);
    s.stop();
    await s.done;
  });

  it('-n 0 shows only what is written after it started', async () => {
    const rt = new FakeRuntime();
    const w1 = rt.add('blog', 'www', 1, 'v1');
    w1.write('old');
    await new Promise((r) => setTimeout(r, 30)); // the fake clock may run a few ms ahead
    const s = session(rt, { follow: true, tail: 0 });
    await new Promise((r) => setTimeout(r, 20));
    w1.write('new');
    expect(texts(await s.until(1))).toEqual(['www.1@v1 new']);
    s.stop();
    await s.done;
  });
});

describe('pure parts', () => {
  it('timeKey gives every time nine fraction digits, so text order is time order', () => {
    expect(timeKey('2026-11-29T10:00:00Z')).toBe('2026-11-29T10:00:00.000000000Z');
    expect(timeKey('2026-11-29T10:00:00.5Z')).toBe('2026-11-29T10:00:00.500000000Z');
    expect(timeKey('2026-11-29T10:00:00.123456789Z')).toBe('2026-11-29T10:00:00.123456789Z');
    expect(timeKey('2026-11-29T11:00:00.250+01:00')).toBe('2026-11-29T10:00:00.250000000Z');
    expect(dateKey(new Date('2026-11-29T10:00:00.007Z'))).toBe('2026-11-29T10:00:00.007000000Z');
  });

  it('mergeByTime interleaves sorted lists and keeps equal times in list order', () => {
    const l = (time: string, text: string) => ({ time, text });
    expect(
      mergeByTime([
        [l('1', 'a1'), l('3', 'a3'), l('3', 'a3b')],
        [l('2', 'b2'), l('3', 'b3')],
        [],
      ]).map((x) => x.text),
    ).toEqual(['a1', 'b2', 'a3', 'a3b', 'b3']);
  });

  it('parseLogQuery reads service, tail, since and follow, and refuses the rest', () => {
    const now = new Date('2026-11-29T10:00:00Z');
    expect(parseLogQuery({}, now)).toEqual({ tail: 100, follow: true });
    expect(parseLogQuery({ service: 'www.2', tail: '5', since: '10m', follow: '0' }, now)).toEqual({
      target: { service: 'www', index: 2 },
      tail: 5,
      since: new Date('2026-11-29T09:50:00Z'),
      follow: false,
    });
    for (const bad of [{ tail: '-1' }, { since: 'soon' }, { follow: 'maybe' }, { service: 'WWW' }, { tail: ['1', '2'] }]) {
      expect(() => parseLogQuery(bad, now)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    }
  });
});
