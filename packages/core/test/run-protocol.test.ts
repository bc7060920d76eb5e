import { describe, expect, it } from 'vitest';
import { PaasError, parseRunClientMessage, parseRunQuery, runQuery, RUN_MAX_ARGV_BYTES, type RunRequest } from '../src/index.js';

/** As a query parser leaves it: repeated keys become arrays. */
function asQuery(search: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(search)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as PaasError).code;
  }
  return undefined;
}

describe('run protocol', () => {
  it('a request survives the query string, arguments exactly as given', () => {
    const full: RunRequest = { service: 'www', index: 2, tty: true, cols: 120, rows: 40, term: 'xterm-256color', argv: ['sh', '-c', 'echo "$HOME" && ls -l | wc', '', 'a&b=c', 'é ✓'] };
    expect(parseRunQuery(asQuery(runQuery(full)))).toEqual(full);
    expect(parseRunQuery(asQuery(runQuery({ service: 'www', tty: false, argv: ['ls'] })))).toEqual({ service: 'www', tty: false, argv: ['ls'] });
    expect(parseRunQuery(asQuery('service=www'))).toEqual({ service: 'www', tty: false, argv: [] });
  });

  it('refuses what it cannot carry, as BAD_REQUEST', () => {
    for (const q of [
      '', 'service=WWW', 'service=www&service=db', 'service=www&index=0', 'service=www&index=1.5', 'service=www&index=100',
      'service=www&tty=yes', 'service=www&cols=0', 'service=www&rows=-3', 'service=www&term=x%20y', 'service=www&argv=a%00b',
    ]) {
      expect(code(() => parseRunQuery(asQuery(q))), q).toBe('BAD_REQUEST');
    }
    expect(code(() => parseRunQuery({ service: 'www', argv: ['x'.repeat(RUN_MAX_ARGV_BYTES + 1)] }))).toBe('BAD_REQUEST');
    expect(code(() => parseRunQuery({ service: 'www', argv: Array.from({ length: 257 }, () => 'a') }))).toBe('BAD_REQUEST');
  });

  it('reads control messages and nothing else', () => {
    expect(parseRunClientMessage('{"type":"eof"}')).toEqual({ type: 'eof' });
    expect(parseRunClientMessage('{"type":"resize","cols":80,"rows":24}')).toEqual({ type: 'resize', cols: 80, rows: 24 });
    for (const t of ['', 'eof', 'null', '[]', '{"type":"resize","cols":0,"rows":24}', '{"type":"resize","cols":"80","rows":24}', '{"type":"kill"}']) {
      expect(parseRunClientMessage(t), t).toBeNull();
    }
  });
});
