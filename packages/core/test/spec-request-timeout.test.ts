import { describe, expect, it } from 'vitest';
import { parseSpec } from '../src/index.js';
import { specErrorOf } from './helpers.js';

const www = (lines: string): string => `www:\n  type: python\n${lines}`;
const parsed = (text: string) => parseSpec(text, { file: 'paas.yml' }).spec.services.www;

describe('request_timeout', () => {
  it('is the seconds the router waits for a response, absent by default', () => {
    expect(parsed(www('  request_timeout: 5\n'))).toMatchObject({ requestTimeout: 5 });
    expect(parsed(www('  request_timeout: 0.5\n'))).toMatchObject({ requestTimeout: 0.5 });
    expect('requestTimeout' in (parsed(www('')) ?? {})).toBe(false);
  });

  it.each([['0', '0'], ['-1', '-1'], ['3601', '3601'], ['"30s"', '"30s"'], ['[5]', 'a list']])('refuses %s at its path', (value, shown) => {
    expect(specErrorOf(www(`  request_timeout: ${value}\n`)).problems).toEqual([
      { path: 'www.request_timeout', message: `expected a number of seconds above 0 and at most 3600, got ${shown}` },
    ]);
  });

  it('is a code service key: a data service is told so', () => {
    expect(specErrorOf('db:\n  type: redis\n  request_timeout: 5\n').problems?.[0]?.message).toMatch(/^"request_timeout" applies only to code services/);
  });
});
