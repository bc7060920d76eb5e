import { spawn } from 'node:child_process';
import type { PushEvent } from '@paas/core';
import { getVia } from '../../test/src/harness/http.js';
import { cliBin, type Platform } from '../../test/src/harness/platform.js';

/**
 * Runs `paas push --json` in `dir` and hands each event to `onEvent` as the
 * CLI prints it. Resolves when the command exits; rejects with its stderr
 * when it fails.
 */
export async function pushWithEvents(p: Platform, dir: string, onEvent: (e: PushEvent) => void): Promise<void> {
  return paasWithEvents(p, dir, ['push', '--json'], onEvent);
}

/** Runs any `paas … --json` command that prints events (push, env set, rollback), as pushWithEvents does. */
export async function paasWithEvents(p: Platform, dir: string, args: string[], onEvent: (e: PushEvent) => void): Promise<void> {
  const child = spawn(process.execPath, [cliBin, ...args], { cwd: dir, env: p.env });
  let buffer = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onEvent(JSON.parse(line) as PushEvent);
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  if (code !== 0) throw new Error(`paas ${args[0]} failed (${code}):\n${err}`);
}

export function p50(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Asks the router every 20 ms until `host` answers `path` with `expected`, then calls `live` once and resolves. */
export async function untilServed(p: Platform, host: string, path: string, expected: string, live: () => void): Promise<void> {
  for (;;) {
    const r = await getVia(p.routerPort, host, path).catch(() => undefined);
    if (r?.body === expected) return live();
    await new Promise((res) => setTimeout(res, 20));
  }
}
