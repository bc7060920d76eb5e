import { describe, expect, it } from 'vitest';
import { checkAppName, checkServiceName } from '../src/names.js';
import { catchPaasError } from './helpers.js';

describe('app names (reliability 1)', () => {
  const bad = ['a;id', 'a`x`', 'a$(x)', 'a\nb', '-a', '.a', '..', 'A', 'a_b', 'a--b', 'a'.repeat(33), ''];
  it.each(bad)('refuses %j with 400 NAME_INVALID', (name) => {
    const err = catchPaasError(() => checkAppName(name));
    expect(err.code).toBe('NAME_INVALID');
    expect(err.status).toBe(400);
    expect(err.message).toBe(`invalid app name ${JSON.stringify(name)}`);
  });

  it.each(['ab', 'blog', 'my-app2', 'a'.repeat(32)])('accepts %j', (name) => {
    expect(checkAppName(name)).toBe(name);
  });
});

describe('service names (reliability 2)', () => {
  it.each(['web;x', '../w', 'WEB', 'a'.repeat(17)])('refuses %j', (name) => {
    expect(catchPaasError(() => checkServiceName(name)).code).toBe('NAME_INVALID');
  });
});
