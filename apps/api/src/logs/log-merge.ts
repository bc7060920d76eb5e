import type { LogFrame } from '@paas/core';
import type { InstanceState, LogLine } from '../runtime/types.js';
import type { RetainedLogLine } from '../store/types.js';
import { timeKey } from './log-time.js';

/** A line of a running instance as the client gets it. */
export function liveFrame(instance: Pick<InstanceState, 'service' | 'index' | 'release'>, line: LogLine): LogFrame {
  return { time: timeKey(line.time), instance: `${instance.service}.${instance.index}`, release: instance.release, stream: line.stream, text: line.text };
}

/** A kept line of a retired instance as the client gets it. */
export function retainedFrame(line: RetainedLogLine): LogFrame {
  return { time: line.time, instance: `${line.service}.${line.index}`, release: line.release, stream: line.stream, text: line.text };
}

/**
 * Interleaves lists of lines into one list in time order (times in the
 * sortable form of log-time.ts). The sort is stable: lines with equal times
 * keep the order of the lists and their order within a list.
 */
export function mergeByTime<T extends { time: string }>(lists: readonly (readonly T[])[]): T[] {
  return lists.flat().sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}
