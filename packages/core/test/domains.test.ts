import { describe, expect, it } from 'vitest';
import { checkDomain, domainUrl, isWildcardDomain } from '../src/domains.js';
import { catchPaasError } from './helpers.js';

describe('custom domains (reliability 22)', () => {
  const long63 = 'a'.repeat(63);
  // 4 × 63 + 3 dots = 255 characters; 3 × 63 + 61 + 3 dots = 253.
  const name253 = `${long63}.${long63}.${long63}.${'b'.repeat(57)}.com`;
  const name254 = `${long63}.${long63}.${long63}.${'b'.repeat(58)}.com`;

  const bad: [string, string][] = [
    ['', 'it is empty'],
    ['*.', 'a wildcard needs at least two labels after "*."'],
    ['*', 'a wildcard needs at least two labels after "*."'],
    ['*.com', 'a wildcard needs at least two labels after "*."'],
    ['a..b', 'empty label'],
    ['a..b.com', 'empty label'],
    ['.example.com', 'it starts with a dot'],
    ['example.com..', 'empty label'],
    [`${'a'.repeat(64)}.com`, 'longer than 63 characters'],
    [name254, 'longer than 253 characters'],
    ['www example.com', 'white space'],
    [' www.example.com', 'white space'],
    ['www.example.com\n', 'white space'],
    ['www.example.com\t', 'white space'],
    ['localhost', 'localhost'],
    ['LOCALHOST', 'localhost'],
    ['localhost.', 'localhost'],
    ['*.localhost', 'localhost'],
    ['blog.localhost', 'localhost'],
    ['x.com/y', 'no path'],
    ['x.com/', 'no path'],
    ['x.com:8080', 'no port'],
    ['x.com:', 'no port'],
    ['http://x.com', 'without a scheme'],
    ['https://x.com/', 'without a scheme'],
    ['HTTP://X.COM', 'without a scheme'],
    ['1.2.3.4', 'IP address'],
    ['127.0.0.1', 'IP address'],
    ['10.0.0.1.', 'IP address'],
    ['::1', 'IP address'],
    ['[::1]', 'IP address'],
    ['2001:db8::1', 'IP address'],
    ['user@x.com', 'no user part'],
    ['com', 'at least two labels'],
    ['intranet', 'at least two labels'],
    ['a.*.example.com', 'one leading "*." label only'],
    ['**.example.com', 'one leading "*." label only'],
    ['*a.example.com', 'one leading "*." label only'],
    ['*.*.example.com', 'one leading "*." label only'],
    ['-a.example.com', 'inner dashes'],
    ['a-.example.com', 'inner dashes'],
    ['a_b.example.com', 'inner dashes'],
    ['a;id.example.com', 'inner dashes'],
    ['$(id).example.com', 'inner dashes'],
    ['bücher.example', 'only ASCII letters'],
  ];
  it.each(bad)('refuses %j with 400 DOMAIN_INVALID (%s)', (name, why) => {
    const err = catchPaasError(() => checkDomain(name));
    expect(err.code).toBe('DOMAIN_INVALID');
    expect(err.status).toBe(400);
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain(`invalid domain ${JSON.stringify(name)}`);
    expect(err.message).toContain(why);
    expect(err.hint).toBeTruthy();
  });

  const good: [string, string][] = [
    ['example.com', 'example.com'],
    ['www.example.com', 'www.example.com'],
    ['WWW.Example.COM', 'www.example.com'],
    ['www.example.com.', 'www.example.com'],
    ['*.example.com', '*.example.com'],
    ['*.Example.Com.', '*.example.com'],
    ['*.a.b.example.com', '*.a.b.example.com'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    ['a-b.c-d.example', 'a-b.c-d.example'],
    ['1.2.3.example', '1.2.3.example'],
    ['123.com', '123.com'],
    [`${long63}.com`, `${long63}.com`],
    [name253, name253],
  ];
  it.each(good)('accepts %j as %j', (name, normalised) => {
    expect(checkDomain(name)).toBe(normalised);
  });

  it('checks the length after the trailing dot is removed', () => {
    expect(name253.length).toBe(253);
    expect(name254.length).toBe(254);
    expect(checkDomain(`${name253}.`)).toBe(name253);
  });

  it('refuses the platform domain and every name under it, wildcards included', () => {
    for (const name of ['paas.example.net', 'blog.paas.example.net', '*.paas.example.net', 'A.B.PAAS.example.net.']) {
      const err = catchPaasError(() => checkDomain(name, { platformDomain: 'paas.example.net' }));
      expect([name, err.code]).toEqual([name, 'DOMAIN_INVALID']);
      expect(err.message).toContain('names under paas.example.net belong to apps by their name');
    }
    // Siblings and parents of the platform domain are the user's.
    for (const name of ['example.net', 'www.example.net', 'otherpaas.example.net', '*.example.net']) {
      expect(checkDomain(name, { platformDomain: 'paas.example.net' })).toBe(name);
    }
  });

  it('tells wildcards apart and gives exact domains a URL', () => {
    expect(isWildcardDomain('*.example.com')).toBe(true);
    expect(isWildcardDomain('www.example.com')).toBe(false);
    expect(domainUrl('www.example.com', 8080)).toBe('http://www.example.com:8080');
    expect(domainUrl('www.example.com', 80)).toBe('http://www.example.com');
    expect(domainUrl('*.example.com', 80)).toBeNull();
  });
});
