import { describe, expect, it } from 'vitest';
import { filterOptions, logQuery, matchesFilter } from '../src/log-filter.js';

describe('log filter', () => {
  it('offers all, each service, then each instance', () => {
    expect(filterOptions(['www', 'worker'], ['www.2', 'www.1', 'worker.1', 'www.10']).map((o) => o.label)).toEqual([
      'all',
      'worker',
      'www',
      'worker.1',
      'www.1',
      'www.2',
      'www.10',
    ]);
    expect(filterOptions(['www'], [])[0]).toEqual({ value: '', label: 'all' });
  });

  it('adds a service that only an instance names', () => {
    expect(filterOptions([], ['api.1']).map((o) => o.value)).toEqual(['', 'api', 'api.1']);
  });

  it('builds the WebSocket query: follow, tail, service (www or www.1), csrf', () => {
    expect(logQuery('', 'tok')).toBe('follow=1&tail=100&csrf=tok');
    expect(logQuery('www', 'tok')).toBe('follow=1&tail=100&service=www&csrf=tok');
    expect(new URLSearchParams(logQuery('www.1', 'a b')).get('service')).toBe('www.1');
    expect(new URLSearchParams(logQuery('www.1', 'a b')).get('csrf')).toBe('a b');
  });

  it('matches lines by service or instance', () => {
    expect(matchesFilter('', 'www.1')).toBe(true);
    expect(matchesFilter('www', 'www.1')).toBe(true);
    expect(matchesFilter('www', 'worker.1')).toBe(false);
    expect(matchesFilter('www.1', 'www.1')).toBe(true);
    expect(matchesFilter('www.1', 'www.10')).toBe(false);
  });
});
