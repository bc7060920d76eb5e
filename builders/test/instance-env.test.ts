import { describe, expect, it } from 'vitest';
import { typeInstanceEnv } from '../src/types/index.js';

describe('typeInstanceEnv: what each type sets so output reaches paas logs at once', () => {
  it.each(['python', 'python-worker', 'custom'])('%s runs Python unbuffered', (type) => {
    expect(typeInstanceEnv(type)).toEqual({ PYTHONUNBUFFERED: '1' });
  });

  it.each(['nodejs', 'nodejs-worker', 'static'])('%s needs nothing (Node.js and nginx do not hold output back)', (type) => {
    expect(typeInstanceEnv(type)).toEqual({});
  });

  it('an unknown type gets nothing, and the table cannot be changed through the answer', () => {
    expect(typeInstanceEnv('cobol')).toEqual({});
    typeInstanceEnv('python').PYTHONUNBUFFERED = '0';
    expect(typeInstanceEnv('python')).toEqual({ PYTHONUNBUFFERED: '1' });
  });
});
