import { describe, expect, it } from 'vitest';
import { checkScale, parseInstanceRef, parseScaleArgs } from '../src/index.js';

describe('parseScaleArgs', () => {
  it('reads SERVICE=N pairs, 0 included', () => {
    expect(parseScaleArgs(['www=3', 'worker=0', 'api=64'])).toEqual({ www: 3, worker: 0, api: 64 });
  });

  // reliability.md item 3
  it.each(['www=-1', 'www=1.5', 'www=1e3', 'www=0x10', 'www=', '=3', 'www=65', 'www', 'WWW=1', 'www=01', 'www= 1'])('refuses %j with SCALE_INVALID naming it', (arg) => {
    expect(() => parseScaleArgs([arg])).toThrow(expect.objectContaining({ code: 'SCALE_INVALID', message: expect.stringContaining(arg) }));
  });

  it('refuses no argument and a service named twice', () => {
    expect(() => parseScaleArgs([])).toThrow(expect.objectContaining({ code: 'SCALE_INVALID' }));
    expect(() => parseScaleArgs(['www=1', 'www=2'])).toThrow(expect.objectContaining({ code: 'SCALE_INVALID', message: 'www=2: www is named twice' }));
  });

  it('checks an API body the same way', () => {
    expect(checkScale({ www: 2 })).toEqual({ www: 2 });
    expect(() => checkScale({ www: 1.5 })).toThrow(expect.objectContaining({ code: 'SCALE_INVALID' }));
    expect(() => checkScale({ www: '3' })).toThrow(expect.objectContaining({ code: 'SCALE_INVALID' }));
    expect(() => checkScale([1])).toThrow(expect.objectContaining({ code: 'SCALE_INVALID' }));
    expect(() => checkScale(undefined)).toThrow(expect.objectContaining({ code: 'SCALE_INVALID' }));
  });
});

describe('parseInstanceRef', () => {
  it('reads a service or one instance', () => {
    expect(parseInstanceRef('www')).toEqual({ service: 'www' });
    expect(parseInstanceRef('www.2')).toEqual({ service: 'www', index: 2 });
    expect(() => parseInstanceRef('www.0')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => parseInstanceRef('../x')).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
