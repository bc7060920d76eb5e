import { describe, expect, it } from 'vitest';
import { formatEvent } from '../src/push/build-log.js';

describe('formatEvent (the stored build log)', () => {
  it('records the URL of a release with a web service, and none for workers only', () => {
    expect(formatEvent({ type: 'done', release: 'v2', url: 'http://blog.localhost:8080' })).toBe('-----> Live at http://blog.localhost:8080');
    expect(formatEvent({ type: 'done', release: 'v3' })).toBe('-----> Released v3 (no web service: workers only)');
  });

  it('keeps the stages and every line of the build', () => {
    expect(formatEvent({ type: 'build.stage', service: 'www', kind: 'system', title: 'Installing system packages (nodejs)', cached: false }))
      .toBe('-----> Installing system packages (nodejs)');
    expect(formatEvent({ type: 'build.stage.done', service: 'www', kind: 'system', title: 'x', ms: 12_340, cached: false })).toBe('       done in 12.3s');
    expect(formatEvent({ type: 'build.stage', service: 'www', kind: 'code', title: 'Adding the code', cached: true })).toBe('-----> Adding the code (using cache)');
    expect(formatEvent({ type: 'build.stage.done', service: 'www', kind: 'code', title: 'Adding the code', ms: 1, cached: true })).toBeUndefined();
    expect(formatEvent({ type: 'log', service: 'www', line: 'Setting up nodejs (18.20.4) ...', source: 'build' })).toBe('       Setting up nodejs (18.20.4) ...');
  });
});
