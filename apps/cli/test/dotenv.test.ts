import { PaasError } from '@paas/core';
import { describe, expect, it } from 'vitest';
import { formatDotenvValue, parseDotenv } from '../src/dotenv.js';

function errorOf(fn: () => unknown): PaasError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PaasError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('parseDotenv', () => {
  it('reads comments, export, unquoted, single- and double-quoted values (multi-line), without expanding anything', () => {
    const text = [
      '# a comment',
      '',
      'export A=plain value   # trailing comment',
      'B = spaced',
      "C='$HOME \\n kept # not a comment'",
      'D="line one',
      'line \\"two\\" \\\\ \\$X\\tend"  # comment',
      'E=a=b#c',
      'F=',
      'G="with\\nescape"',
      'H=$(id) `id`',
      '',
    ].join('\r\n');
    expect(parseDotenv(text)).toEqual({
      A: 'plain value',
      B: 'spaced',
      C: '$HOME \\n kept # not a comment',
      D: 'line one\r\nline "two" \\ $X\tend',
      E: 'a=b#c',
      F: '',
      G: 'with\nescape',
      H: '$(id) `id`',
    });
  });

  it('names the file and line of what it cannot read, never the value', () => {
    const secret = 's3cr3t';
    const cases: [string, string][] = [
      [`A=1\nnot a line ${secret}\n`, 'prod.env:2'],
      [`A=1\n1A=${secret}\n`, 'prod.env:2'],
      [`A=1\nB="${secret}\n\n`, 'prod.env:2'],
      [`A="${secret}" trailing\n`, 'prod.env:1'],
      [`A=1\nB=2\nA=${secret}\n`, 'prod.env:3'],
      [`PORT=${secret}\n`, 'prod.env:1'],
      [`A=${'x'.repeat(64 * 1024 + 1)}${secret}\n`, 'prod.env:1'],
    ];
    for (const [text, where] of cases) {
      const err = errorOf(() => parseDotenv(text, 'prod.env'));
      expect(err.message, text.slice(0, 40)).toContain(where);
      expect(JSON.stringify(err.toBody())).not.toContain(secret);
    }
    expect(errorOf(() => parseDotenv(`A=${'x'.repeat(64 * 1024 + 1)}`)).code).toBe('ENV_TOO_LARGE');
    expect(errorOf(() => parseDotenv('A B=1')).code).toBe('ENV_INVALID');
  });

  it('counts lines of multi-line values for later errors', () => {
    expect(errorOf(() => parseDotenv('A="1\n2\n3"\nB C=1', 'f')).message).toContain('f:4');
  });

  it('reads back what formatDotenvValue writes', () => {
    const env = { A: 'plain', B: 'two words', C: '$(id) `x` "q" \'s\' \\', D: 'l1\nl2\r\n\tt', E: 'a=b', F: '', G: '#hash', H: 'ünï ✓' };
    const text = Object.entries(env).map(([k, v]) => `${k}=${formatDotenvValue(v)}`).join('\n');
    expect(parseDotenv(text)).toEqual(env);
  });
});
