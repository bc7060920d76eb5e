import { describe, expect, it } from 'vitest';
import { appState } from '../src/app-state.js';
import { formatBytes, formatDuration, formatEvent } from '../src/format.js';

describe('format', () => {
  it('formats durations and sizes', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(65)).toBe('1m 05s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3h 02m');
    expect(formatDuration(2 * 86400 + 3600)).toBe('2d 01h');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
  });

  it('prints progress events as the CLI does', () => {
    expect(formatEvent({ type: 'deploy.instance', service: 'www', instance: 'www.2', state: 'healthy' })).toBe('       www.2 healthy');
    expect(formatEvent({ type: 'converged', release: 'v3', scale: { www: 3 } })).toBe('-----> v3: www=3');
    expect(formatEvent({ type: 'error', error: { code: 'RELEASE_UNHEALTHY', message: 'www.1 failed' } })).toBe(' !     RELEASE_UNHEALTHY: www.1 failed');
  });

  it('sums up the state of an app', () => {
    const i = (state: 'healthy' | 'crashed') => ({ name: 'www.1', service: 'www', release: 'v1', state, restarts: 0, uptime: 1, exitCode: null });
    expect(appState({ release: null, instances: [] })).toBe('not deployed');
    expect(appState({ release: 'v1', instances: [] })).toBe('stopped');
    expect(appState({ release: 'v1', instances: [i('healthy'), i('healthy')] })).toBe('running');
    expect(appState({ release: 'v1', instances: [i('healthy'), i('crashed')] })).toBe('1 healthy, 1 crashed');
  });
});
