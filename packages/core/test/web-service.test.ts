import { describe, expect, it } from 'vitest';
import { hasWebService, parseSpec } from '../src/spec/index.js';

const has = (text: string): boolean => hasWebService(parseSpec(text, { file: 'paas.yml' }).spec);

describe('hasWebService', () => {
  it('is true when any code service serves http', () => {
    expect(has('www:\n  type: python\n')).toBe(true);
    expect(has('worker:\n  type: python-worker\nsite:\n  type: static\n')).toBe(true);
    expect(has('svc:\n  type: custom\n  process: ./run\n  ports: {web: http}\n')).toBe(true);
  });

  it('is false for workers, tcp-only services and data services', () => {
    expect(has('worker:\n  type: python-worker\n')).toBe(false);
    expect(has('svc:\n  type: custom\n  process: ./run\n  ports: {mc: tcp}\n')).toBe(false);
    expect(has('worker:\n  type: nodejs-worker\ndb:\n  type: postgresql\n')).toBe(false);
  });
});
