import { describe, expect, it } from 'vitest';
import { MASK, maskEnvValue, maskUrl, maskValue } from '../src/mask.js';

describe('masking', () => {
  it('hides the password of a URL and keeps the rest', () => {
    expect(maskUrl('postgres://app:s3cret@db:5432/app')).toBe(`postgres://app:${MASK}@db:5432/app`);
    expect(maskUrl('redis://:s3cret@cache:6379')).toBe(`redis://:${MASK}@cache:6379`);
  });

  it('leaves URLs without a password alone', () => {
    expect(maskUrl('http://example.com/a:b@c')).toBe('http://example.com/a:b@c');
    expect(maskUrl('amqp://guest@mq:5672')).toBe('amqp://guest@mq:5672');
    expect(maskUrl('not a url')).toBe('not a url');
  });

  it("reads the API's own mask as the dashboard's", () => {
    expect(maskValue('postgres://app:********@db:5432/app')).toBe(`postgres://app:${MASK}@db:5432/app`);
    expect(maskValue('********')).toBe(MASK);
  });

  it('hides the whole value of secret names', () => {
    expect(maskEnvValue('PAAS_DB_SQL_PASSWORD', 'abc')).toBe(MASK);
    expect(maskEnvValue('DATABASE_URL', 'postgres://u:p@h/d')).toBe(`postgres://u:${MASK}@h/d`);
    expect(maskEnvValue('PAAS_DB_SQL_HOST', 'db')).toBe('db');
  });
});
