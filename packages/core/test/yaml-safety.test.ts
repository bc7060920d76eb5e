import { describe, expect, it } from 'vitest';
import { parseSpec, MAX_SPEC_BYTES } from '../src/spec/index.js';
import { specErrorOf } from './helpers.js';

/** A few hundred bytes expanding to 9^9 (387 million) strings. */
const BILLION_LAUGHS = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
`;

/** Timed guard: the requirement is < 100 ms; the bound is loose for slow CI, the point is no hang. */
function timed(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

describe('resource exhaustion (reliability 9, 10)', () => {
  it('rejects an alias bomb fast, without expanding it', () => {
    expect(BILLION_LAUGHS.length).toBeLessThan(600);
    let code = '';
    const ms = timed(() => {
      code = specErrorOf(BILLION_LAUGHS).code;
    });
    expect(code).toBe('SPEC_INVALID');
    expect(specErrorOf(BILLION_LAUGHS).problems).toEqual([
      { path: '', message: 'aliases expand to too many nodes (more than 100 alias uses); write the values out instead' },
    ]);
    expect(ms).toBeLessThan(500);
  });

  it('accepts ordinary anchors, aliases and merges', () => {
    const text = 'base: &base\n  type: python\n  instances: 2\nwww:\n  <<: *base\n  approot: web\n';
    const { spec } = parseSpec(text, { file: 'paas.yml' });
    expect(spec.services.www).toMatchObject({ type: 'python', instances: 2, approot: 'web' });
  });

  it.each([
    ['flow sequences', '['.repeat(5000) + ']'.repeat(5000), 1],
    ['flow maps', 'www: ' + '{a: '.repeat(5000) + '1' + '}'.repeat(5000), 1],
    ['block sequences on one line', '- '.repeat(5000) + 'x\n', 1],
    ['block maps by indentation', Array.from({ length: 100 }, (_, i) => ' '.repeat(i) + 'a:').join('\n'), 65],
  ])('rejects 5,000-deep %s with the line, no stack overflow', (_name, text, line) => {
    let err: ReturnType<typeof specErrorOf> | undefined;
    const ms = timed(() => {
      err = specErrorOf(text);
    });
    expect(err?.code).toBe('SPEC_INVALID');
    expect(err?.status).toBe(400);
    expect(err?.problems).toEqual([{ path: '', message: `line ${line}: nesting deeper than 64 levels is not allowed` }]);
    expect(ms).toBeLessThan(500);
  });

  it('finds deep nesting the quick scan misses, inside quotes', () => {
    // Brackets closed inside a quoted string fool the raw scan; the CST walk still counts the real depth.
    const text = 'www: ' + '["]", '.repeat(70) + '1' + ']'.repeat(70);
    expect(specErrorOf(text).problems).toEqual([{ path: '', message: 'line 1: nesting deeper than 64 levels is not allowed' }]);
  });

  it('caps the size with SPEC_TOO_LARGE (413)', () => {
    const err = specErrorOf(`www:\n  type: python\n# ${'x'.repeat(MAX_SPEC_BYTES)}\n`);
    expect(err.code).toBe('SPEC_TOO_LARGE');
    expect(err.status).toBe(413);
    expect(err.message).toBe('paas.yml is 257 KiB; the limit is 256 KiB');
  });

  it('counts bytes, not characters', () => {
    expect(specErrorOf(`# ${'é'.repeat(MAX_SPEC_BYTES / 2)}\nwww: redis\n`).code).toBe('SPEC_TOO_LARGE');
  });
});

describe('YAML syntax', () => {
  it('refuses tab indentation, saying so with the line', () => {
    const err = specErrorOf('www:\n  type: python\n  ports:\n\twww: http\n');
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.problems).toEqual([{ path: '', message: 'line 4: tabs are not allowed in YAML indentation; indent with spaces' }]);
    expect(err.message).toBe('paas.yml: line 4: tabs are not allowed in YAML indentation; indent with spaces');
  });

  it('accepts tabs that are not indentation', () => {
    const { spec } = parseSpec('www:\n  type:\tpython\n  process: |\n    printf "a\tb"\n', { file: 'paas.yml' });
    expect(spec.services.www).toMatchObject({ type: 'python', process: 'printf "a\tb"\n' });
  });

  it('reports other syntax errors with line and column', () => {
    expect(specErrorOf('www:\n  type: python\n ports: {}\n').problems).toEqual([
      { path: '', message: 'line 3, column 1: not valid YAML: All mapping items must start at the same column' },
    ]);
  });

  it.each([
    ['empty', '', 'the file is empty; describe at least one service'],
    ['only comments', '# nothing yet\n', 'the file is empty; describe at least one service'],
    ['an empty map', '{}\n', 'the file describes no service; add at least one'],
    ['a list', '- www\n', 'expected a map of service name → service, got a list'],
    ['a scalar', 'hello\n', 'expected a map of service name → service, got "hello"'],
  ])('refuses %s at the top level', (_name, text, message) => {
    expect(specErrorOf(text).problems).toEqual([{ path: '', message }]);
  });

  it('accepts a byte order mark, leading ---, trailing ..., comments everywhere', () => {
    const text = '\uFEFF--- # spec\n# services\nwww: # the site\n  type: python # web\n...\n';
    expect(parseSpec(text, { file: 'paas.yml' }).spec.services.www?.type).toBe('python');
  });

  it('keeps user keys off the prototype chain', () => {
    const { spec } = parseSpec('www:\n  type: python\n  environment:\n    __proto__: polluted\n', { file: 'paas.yml' });
    const env = spec.services.www?.kind === 'code' ? spec.services.www.environment : {};
    expect(Object.keys(env)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(env)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
