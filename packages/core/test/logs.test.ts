import { describe, expect, it } from 'vitest';
import { parseLogTail, parseLogTarget, parseSince } from '../src/logs.js';
import { catchPaasError } from './helpers.js';

const now = new Date('2026-11-29T10:00:00.000Z');

describe('parseSince', () => {
  it.each([
    ['30s', '2026-11-29T09:59:30.000Z'],
    ['10m', '2026-11-29T09:50:00.000Z'],
    ['2h', '2026-11-29T08:00:00.000Z'],
    ['1d', '2026-11-28T10:00:00.000Z'],
    ['1h30m', '2026-11-29T08:30:00.000Z'],
    ['0s', '2026-11-29T10:00:00.000Z'],
  ])('reads the duration %s back from now', (text, expected) => {
    expect(parseSince(text, now).toISOString()).toBe(expected);
  });

  it.each([
    ['2026-11-29T09:00:00Z', '2026-11-29T09:00:00.000Z'],
    ['2026-11-29T09:00:00.123456789Z', '2026-11-29T09:00:00.123Z'],
    ['2026-11-29T10:00:00+01:00', '2026-11-29T09:00:00.000Z'],
  ])('reads the RFC 3339 time %s', (text, expected) => {
    expect(parseSince(text, now).toISOString()).toBe(expected);
  });

  it.each(['', '10', 'm', '10 m', '-5m', '1.5h', '10min', '2026-11-29', '2026-13-45T99:00:00Z', 'yesterday', '1e3s'])(
    'refuses %j with the code it is given',
    (text) => {
      expect(catchPaasError(() => parseSince(text, now)).code).toBe('BAD_REQUEST');
      expect(catchPaasError(() => parseSince(text, now, 'USAGE')).code).toBe('USAGE');
    },
  );
});

describe('parseLogTarget', () => {
  it('reads a service or one instance of it', () => {
    expect(parseLogTarget('www')).toEqual({ service: 'www' });
    expect(parseLogTarget('www.2')).toEqual({ service: 'www', index: 2 });
    expect(parseLogTarget('my_worker.64')).toEqual({ service: 'my_worker', index: 64 });
  });

  it.each(['', 'WWW', 'www.', 'www.0', 'www.65', 'www.01', 'www.1.2', 'www.x', '.1', 'a;b', '../www'])('refuses %j', (text) => {
    expect(catchPaasError(() => parseLogTarget(text, 'USAGE')).code).toBe('USAGE');
  });
});

describe('parseLogTail', () => {
  it('takes whole numbers from 0 to 100000', () => {
    expect(parseLogTail('0')).toBe(0);
    expect(parseLogTail('100')).toBe(100);
    expect(parseLogTail('100000')).toBe(100_000);
  });

  it.each(['', '-1', '1.5', '1e3', '0x10', '007', '100001', 'all'])('refuses %j', (text) => {
    expect(catchPaasError(() => parseLogTail(text)).code).toBe('BAD_REQUEST');
  });
});
