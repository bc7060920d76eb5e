import { describe, expect, it } from 'vitest';
import { chooseNode, parseUserIds, runStateFromTasks, secretName, type SwarmNodeInfo, type SwarmTaskInfo } from '../src/runtime/swarm-data-services.js';

const node = (name: string, state = 'ready', availability = 'active'): SwarmNodeInfo => ({
  Description: { Hostname: name },
  Status: { State: state },
  Spec: { Availability: availability },
});

const task = (createdAt: string, state: string, extra: Partial<SwarmTaskInfo> & { exit?: number; container?: boolean } = {}): SwarmTaskInfo => ({
  CreatedAt: createdAt,
  DesiredState: extra.DesiredState ?? (['running', 'new', 'pending', 'assigned', 'preparing', 'starting'].includes(state) ? 'running' : 'shutdown'),
  Status: {
    State: state,
    Timestamp: new Date(Date.parse(createdAt) + 5_000).toISOString(),
    ContainerStatus: extra.container === false ? {} : { ContainerID: `c-${createdAt}`, ExitCode: extra.exit ?? 0 },
  },
});

describe('the Swarm driver’s data services: node choice', () => {
  it('takes the ready, active node with the fewest data services, ties by name', () => {
    const nodes = [node('n-3'), node('n-1'), node('n-2')];
    expect(chooseNode(nodes, {})).toBe('n-1');
    expect(chooseNode(nodes, { 'n-1': 2, 'n-2': 1, 'n-3': 1 })).toBe('n-2');
    expect(chooseNode(nodes, { 'n-1': 1, 'n-2': 1 })).toBe('n-3');
  });

  it('never takes a node that is down, paused or drained', () => {
    const nodes = [node('a', 'down'), node('b', 'ready', 'drain'), node('c', 'ready', 'pause'), node('d', 'unknown'), node('e')];
    expect(chooseNode(nodes, { e: 9 })).toBe('e');
    expect(chooseNode(nodes.slice(0, 4), {})).toBeNull();
    expect(chooseNode([], {})).toBeNull();
  });
});

describe('the Swarm driver’s data services: users and secrets', () => {
  it('reads numeric users and leaves names to the image', () => {
    expect(parseUserIds('999')).toEqual({ uid: 999, gid: 999 });
    expect(parseUserIds('903:904')).toEqual({ uid: 903, gid: 904 });
    expect(parseUserIds('0:0')).toEqual({ uid: 0, gid: 0 });
    expect(parseUserIds('redis')).toBeNull();
    expect(parseUserIds('redis:redis')).toBeNull();
    expect(parseUserIds('903:redis')).toBeNull();
    expect(parseUserIds('')).toBeNull();
  });

  it('names a secret after the service and its body, within Swarm’s 64 characters', () => {
    const a = secretName('paas-p1-blog-data-data', 'A=1\n');
    expect(a).toMatch(/^paas-p1-blog-data-data-[0-9a-f]{10}$/);
    expect(secretName('paas-p1-blog-data-data', 'A=1\n')).toBe(a);
    expect(secretName('paas-p1-blog-data-data', 'A=2\n')).not.toBe(a);
    const long = secretName(`paas-${'x'.repeat(80)}-data`, 'A=1\n');
    expect(long.length).toBe(64);
    expect(long).toMatch(/-[0-9a-f]{10}$/);
  });
});

describe('the Swarm driver’s data services: state from tasks', () => {
  it('has not run before its first task starts', () => {
    expect(runStateFromTasks([])).toEqual({ running: false, restarting: false, exitCode: null, restartCount: 0, startedAt: null });
    expect(runStateFromTasks([task('2026-11-29T10:00:00Z', 'preparing', { container: false })])).toEqual({
      running: false,
      restarting: false,
      exitCode: null,
      restartCount: 0,
      startedAt: null,
    });
  });

  it('runs when the newest task runs, whatever ended before it', () => {
    const tasks = [
      task('2026-11-29T10:02:00Z', 'running'),
      task('2026-11-29T10:00:00Z', 'failed', { exit: 137 }),
      task('2026-11-29T10:01:00Z', 'shutdown', { exit: 0 }),
    ];
    expect(runStateFromTasks(tasks)).toEqual({
      running: true,
      restarting: false,
      exitCode: null,
      restartCount: 2,
      startedAt: new Date('2026-11-29T10:02:05Z'),
    });
  });

  it('is restarting between a crash and the next task’s start, with the crash’s exit code', () => {
    const tasks = [task('2026-11-29T10:00:00Z', 'failed', { exit: 3 }), task('2026-11-29T10:00:10Z', 'starting', { container: false })];
    expect(runStateFromTasks(tasks)).toEqual({
      running: false,
      restarting: true,
      exitCode: 3,
      restartCount: 1,
      startedAt: new Date('2026-11-29T10:00:05Z'),
    });
  });

  it('is stopped, not restarting, when scaled to zero', () => {
    const tasks = [task('2026-11-29T10:00:00Z', 'shutdown', { exit: 0 })];
    expect(runStateFromTasks(tasks)).toMatchObject({ running: false, restarting: false, exitCode: 0, restartCount: 0 });
  });
});
