import { describe, expect, it } from 'vitest';
import { formatEvent } from '../src/push/build-log.js';

describe('formatEvent (the stored build log)', () => {
  it('records the URL of a release with a web service, and none for workers only', () => {
    expect(formatEvent({ type: 'done', release: 'v2', url: 'http://blog.localhost:8080' })).toBe('-----> Live at http://blog.localhost:8080');
    expect(formatEvent({ type: 'done', release: 'v3' })).toBe('-----> Released v3 (no web service: workers only)');
  });
});
