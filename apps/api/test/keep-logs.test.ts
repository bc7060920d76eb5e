import { describe, expect, it } from 'vitest';
import { keepInstanceLogs } from '../src/logs/keep-logs.js';
import type { InstanceState, LogLine, LogOptions } from '../src/runtime/types.js';

const instance: InstanceState = {
  id: 'c1', name: 'n', app: 'blog', service: 'www', index: 2, release: 'v3', running: false, exitCode: 0, restartCount: 0, startedAt: null, addresses: {},
};

function runtimeWith(lines: LogLine[], calls: LogOptions[] = []) {
  return {
    async *logs(_id: string, opts: LogOptions): AsyncIterable<LogLine> {
      calls.push(opts);
      yield* lines;
    },
  };
}

describe('keepInstanceLogs (the Deployer keepLogs hook)', () => {
  it("reads the instance's last lines (at most the limit) and keeps them with their instance", async () => {
    const kept: unknown[] = [];
    const calls: LogOptions[] = [];
    const hook = keepInstanceLogs(
      { keepInstanceLogs: async (...args) => void kept.push(args) },
      runtimeWith([{ time: '2026-11-29T10:00:00.5Z', stream: 'stderr', text: 'secret=hunter2' }], calls),
      500,
    );
    await hook(instance);
    expect(calls).toEqual([{ follow: false, tail: 500 }]);
    expect(kept).toEqual([[
      'blog',
      { id: 'c1', service: 'www', index: 2, release: 'v3' },
      [{ time: '2026-11-29T10:00:00.500000000Z', stream: 'stderr', text: 'secret=hunter2' }],
      500,
    ]]);
  });

  it('does nothing with a limit of 0', async () => {
    const calls: LogOptions[] = [];
    await keepInstanceLogs({ keepInstanceLogs: async () => { throw new Error('not called'); } }, runtimeWith([], calls), 0)(instance);
    expect(calls).toEqual([]);
  });

  it('logs a failure by its message only, never a line, and gives up after the timeout', async () => {
    const logged: string[] = [];
    const failing = keepInstanceLogs(
      { keepInstanceLogs: async () => { throw new Error('database is away'); } },
      runtimeWith([{ time: '2026-11-29T10:00:00Z', stream: 'stdout', text: 'secret=hunter2' }]),
      100,
      (m) => logged.push(m),
    );
    await expect(failing(instance)).rejects.toThrow('database is away');
    const stuck = keepInstanceLogs({ keepInstanceLogs: () => new Promise(() => undefined) }, runtimeWith([]), 100, (m) => logged.push(m), 50);
    await expect(stuck(instance)).rejects.toThrow('no answer within 50 ms');
    expect(logged).toEqual([
      'blog: keeping the output of www.2 (v3) failed: database is away',
      'blog: keeping the output of www.2 (v3) failed: no answer within 50 ms',
    ]);
    expect(logged.join('\n')).not.toContain('hunter2');
  });
});
