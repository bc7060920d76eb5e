import { describe, expect, it } from 'vitest';
import { chooseAppName, sanitizeAppName } from '../src/app-name.js';

describe('create names', () => {
  it.each([
    ['blog', 'blog'],
    ['My_Blog.v2', 'my-blog-v2'],
    ['2048-game', 'game'],
    ['--weird--name--', 'weird-name'],
    ['Ünïcode app', 'n-code-app'],
    ['a'.repeat(40), 'a'.repeat(32)],
    [`${'a'.repeat(31)}-b`, 'a'.repeat(31)],
    ['1234', ''],
  ])('sanitises the directory name %j to %j', (raw, expected) => {
    expect(sanitizeAppName(raw)).toBe(expected);
  });

  it('takes the directory name when no name is given', () => {
    expect(chooseAppName(undefined, '/home/me/My.Blog')).toBe('my-blog');
  });

  it('rejects a directory name that leaves nothing valid, with NAME_INVALID', () => {
    expect(() => chooseAppName(undefined, '/tmp/1234')).toThrow(expect.objectContaining({ code: 'NAME_INVALID' }));
  });

  it.each(['a;id', 'a`x`', 'a$(x)', 'a\nb', '-a', '.a', '..', 'A', 'a_b', 'a--b', 'a'.repeat(33), '', 'b-'])(
    'never alters a given name: %j is NAME_INVALID',
    (name) => {
      expect(() => chooseAppName(name, '/tmp/blog')).toThrow(expect.objectContaining({ code: 'NAME_INVALID' }));
    },
  );

  it('keeps a valid given name as it is', () => {
    expect(chooseAppName('my-blog2', '/tmp/other')).toBe('my-blog2');
  });
});
