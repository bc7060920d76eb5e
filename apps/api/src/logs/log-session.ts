import type { LogFrame } from '@paas/core';
import type { InstanceState, Runtime } from '../runtime/types.js';
import type { RetainedLogLine, RetainedLogQuery } from '../store/types.js';
import type { EventSource } from './instance-events.js';
import { liveFrame, mergeByTime, retainedFrame } from './log-merge.js';
import type { LogQuery } from './log-query.js';
import { dateKey, keyDate, timeKey } from './log-time.js';

export interface LogSessionOptions {
  app: string;
  query: LogQuery;
  runtime: Pick<Runtime, 'listInstances' | 'inspectInstance' | 'logs'>;
  /** Kept lines of retired instances (the store). */
  retained: (query: RetainedLogQuery) => Promise<RetainedLogLine[]>;
  events: EventSource;
  /** Delivers one frame; resolves once the client can take more (backpressure). */
  send: (frame: LogFrame) => Promise<void>;
  /** Ends the session (the client went away). */
  signal: AbortSignal;
  /** Safety net besides the events: how often running instances are listed again. */
  relistMs?: number;
  /** Asked at each re-list; a session of a destroyed app ends. */
  appExists?: () => Promise<boolean>;
}

/** One followed instance: where its output was read up to. */
interface Follower {
  instance: InstanceState;
  /** Time key of the last line sent (exclusive lower bound of the next). */
  after: string;
  reading: boolean;
  /** A start came while the previous stream was still ending. */
  again: boolean;
}

/**
 * `paas logs` (architecture.md "Logs and run"): first the last `tail` lines
 * (since `since`) of every matching instance, kept lines of retired ones
 * included, interleaved by time; then, when following, every new line of
 * every matching instance as it is written, instances joining as deploys,
 * scaling and restarts start them and leaving as they go. Resolves when not
 * following once the backlog is sent, otherwise when the signal aborts or
 * the app is gone.
 */
export async function streamLogs(opts: LogSessionOptions): Promise<void> {
  const { app, query, runtime, signal } = opts;
  const target = query.target;
  const matches = (i: InstanceState): boolean =>
    i.app === app && (target === undefined || (i.service === target.service && (target.index === undefined || i.index === target.index)));
  // Lines of instances found after this moment are read from it.
  const startKey = dateKey(new Date(Date.now() - 1));

  // Ends every stream of the session: the client went away, or the app is gone.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) stop.abort();

  // Subscribed before listing, so that an instance starting meanwhile is not missed.
  const woken: string[] = [];
  let wake: (() => void) | null = null;
  const unsubscribe = query.follow
    ? opts.events.subscribe(app, (e) => {
        if (e.action !== 'start' && e.action !== 'restart') return;
        woken.push(e.id);
        wake?.();
      })
    : () => undefined;

  try {
    const instances = (await runtime.listInstances({ app, ...(target ? { service: target.service } : {}) })).filter(matches);
    const listed = new Set(instances.map((i) => i.id));
    const since = query.since;
    const retained = (
      await opts.retained({
        ...(target ? { service: target.service } : {}),
        ...(target?.index !== undefined ? { index: target.index } : {}),
        ...(since ? { since: dateKey(since) } : {}),
        tail: query.tail,
      })
    ).filter((l) => !listed.has(l.instanceId)); // halted, kept, not removed yet: read from the engine
    const backlogs = await Promise.all(
      instances.map(async (i) => {
        const lines: LogFrame[] = [];
        if (query.tail === 0) return lines;
        for await (const line of runtime.logs(i.id, { tail: query.tail, ...(since ? { since } : {}), signal: stop.signal })) lines.push(liveFrame(i, line));
        // The engine's tail and since are per line; keep the bound exact whatever it did.
        return lines.filter((l) => !since || l.time >= dateKey(since)).slice(-query.tail);
      }),
    );
    for (const frame of mergeByTime([retained.map(retainedFrame), ...backlogs])) {
      if (stop.signal.aborted) return;
      await opts.send(frame);
    }
    if (!query.follow) return;

    const followers = new Map<string, Follower>();
    const pumps = new Set<Promise<void>>();
    const follow = (f: Follower): void => {
      if (stop.signal.aborted) return;
      if (f.reading) {
        f.again = true; // started again while the old stream was still ending
        return;
      }
      f.reading = true;
      f.again = false;
      const pump = (async () => {
        try {
          for await (const line of runtime.logs(f.instance.id, { follow: true, since: keyDate(f.after), signal: stop.signal })) {
            const key = timeKey(line.time);
            if (key <= f.after) continue; // the engine's since has millisecond steps: skip what was sent
            f.after = key;
            await opts.send(liveFrame(f.instance, line));
            if (stop.signal.aborted) break;
          }
        } catch {
          // The engine lost the stream; the next start event or re-list follows it again.
        } finally {
          f.reading = false;
          if (f.again) follow(f);
        }
      })();
      pumps.add(pump);
      void pump.finally(() => pumps.delete(pump));
    };
    const start = (instance: InstanceState, after: string): void => {
      let f = followers.get(instance.id);
      if (!f) followers.set(instance.id, (f = { instance, after, reading: false, again: false }));
      // A stream ends when its container stops; a start event follows it again.
      if (instance.running || instance.restarting) follow(f);
    };
    instances.forEach((i, n) => {
      const last = backlogs[n]?.at(-1)?.time;
      start(i, last !== undefined && last > startKey ? last : startKey);
    });

    const relistMs = opts.relistMs ?? 5_000;
    let relistAt = Date.now() + relistMs;
    const pause = (ms: number): Promise<void> =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          stop.signal.removeEventListener('abort', done);
          wake = null;
          resolve();
        };
        const timer = setTimeout(done, ms);
        stop.signal.addEventListener('abort', done, { once: true });
        wake = done;
        if (woken.length > 0) done();
      });
    while (!stop.signal.aborted) {
      await pause(Math.max(0, relistAt - Date.now()));
      if (stop.signal.aborted) break;
      for (const id of woken.splice(0)) {
        const known = followers.get(id);
        if (known) {
          follow(known);
          continue;
        }
        const state = await runtime.inspectInstance(id).catch(() => null);
        if (state && matches(state)) start(state, startKey);
      }
      if (Date.now() < relistAt) continue;
      relistAt = Date.now() + relistMs;
      if (opts.appExists && !(await opts.appExists().catch(() => true))) break;
      const now = await runtime.listInstances({ app, ...(target ? { service: target.service } : {}) }).catch(() => null);
      if (now === null) continue;
      for (const i of now.filter(matches)) {
        const known = followers.get(i.id);
        if (!known) start(i, startKey);
        else if (i.running) follow(known);
      }
      // Forget instances that are gone for good.
      for (const [id, f] of followers) if (!f.reading && !now.some((i) => i.id === id)) followers.delete(id);
    }
    stop.abort();
    await Promise.all(pumps);
  } finally {
    stop.abort();
    signal.removeEventListener('abort', onAbort);
    unsubscribe();
  }
}
