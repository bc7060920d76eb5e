import type { LogFrame } from '@paas/core';
import { paint } from './output.js';

/** `2026-11-29T10:00:00Z www.1 | text`: the time at second precision, in UTC. */
export function formatLogFrame(frame: LogFrame, color: boolean): string {
  const ms = Date.parse(frame.time);
  const time = Number.isFinite(ms) ? `${new Date(ms).toISOString().slice(0, 19)}Z` : frame.time;
  return `${paint(time, 'dim', color)} ${paint(frame.instance, 'cyan', color)} | ${frame.text}`;
}
