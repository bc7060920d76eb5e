import { describe, expect, it } from 'vitest';
import {
  applyEnvChange,
  checkEnvChange,
  checkEnvKey,
  describeRelease,
  ENV_TOTAL_MAX_BYTES,
  envBytes,
  PaasError,
  parseEnvAssignments,
  sameEnv,
} from '../src/index.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PaasError) return err.code;
    throw err;
  }
  return 'none';
}

describe('env names and values (reliability 5–8)', () => {
  it('refuses BAD=KEY, A B, 1A, empty, NUL, newline and platform names', () => {
    for (const key of ['BAD=KEY', 'A B', '1A', '', 'A\u0000B', 'A\nB', 'é', 'A-B', 'x'.repeat(257)]) {
      expect(codeOf(() => checkEnvKey(key)), JSON.stringify(key)).toBe('ENV_INVALID');
    }
    for (const key of ['PORT', 'PORT_WWW', 'PAAS_APP', 'PAAS_DB_POSTGRESQL_URL', 'DOTCLOUD_PROJECT', 'DOTCLOUD_SERVICE_ID']) {
      expect(codeOf(() => checkEnvKey(key)), key).toBe('ENV_INVALID');
    }
    for (const key of ['A', '_A', 'a1', 'DATABASE_URL', 'DOTCLOUD_DB_SQL_HOST', 'PORTAL', 'PAASWORD']) expect(checkEnvKey(key)).toBe(key);
  });

  it('takes everything after the first = as the value, byte for byte', () => {
    expect(parseEnvAssignments(['A=b=c', 'B=', 'C=$(id) `x` "q"\nline'])).toEqual({ A: 'b=c', B: '', C: '$(id) `x` "q"\nline' });
    expect(codeOf(() => parseEnvAssignments(['NOEQUALS']))).toBe('ENV_INVALID');
    expect(codeOf(() => parseEnvAssignments([]))).toBe('USAGE');
  });

  it('never puts a value in an error message', () => {
    const secret = 'hunter2-secret';
    for (const fn of [
      () => parseEnvAssignments([`${secret}`]),
      () => parseEnvAssignments([`A=${secret}\u0000`]),
      () => parseEnvAssignments([`A=${secret}${'x'.repeat(70_000)}`]),
      () => checkEnvChange({ set: { A: `${secret}\u0000` } }),
    ]) {
      try {
        fn();
        expect.unreachable();
      } catch (err) {
        expect(JSON.stringify((err as PaasError).toBody())).not.toContain(secret);
      }
    }
  });

  it('64 KiB per value and 1 MiB in total, counted in UTF-8 bytes', () => {
    expect(parseEnvAssignments([`A=${'x'.repeat(64 * 1024)}`]).A).toHaveLength(64 * 1024);
    expect(codeOf(() => parseEnvAssignments([`A=${'x'.repeat(64 * 1024 + 1)}`]))).toBe('ENV_TOO_LARGE');
    // 22 000 three-byte characters: 66 000 bytes.
    expect(codeOf(() => parseEnvAssignments([`A=${'€'.repeat(22_000)}`]))).toBe('ENV_TOO_LARGE');
    const parts = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`P${i}`, 'z'.repeat(64 * 1024 - 4)]));
    expect(envBytes(parts)).toBeLessThanOrEqual(ENV_TOTAL_MAX_BYTES);
    expect(codeOf(() => applyEnvChange(parts, { set: { MORE: 'z'.repeat(100) }, unset: [] }))).toBe('ENV_TOO_LARGE');
    expect(Object.keys(applyEnvChange(parts, { set: { MORE: 'z'.repeat(100) }, unset: ['P0'] }))).toHaveLength(16);
  });

  it('checks a change request: shapes, set and unset of one name, nothing at all', () => {
    expect(checkEnvChange({ set: { A: '1' }, unset: ['B', 'B'] })).toEqual({ set: { A: '1' }, unset: ['B'] });
    expect(codeOf(() => checkEnvChange({ set: { A: 1 } }))).toBe('ENV_INVALID');
    expect(codeOf(() => checkEnvChange({ set: { A: '1' }, unset: ['A'] }))).toBe('ENV_INVALID');
    expect(codeOf(() => checkEnvChange({}))).toBe('ENV_INVALID');
    expect(codeOf(() => checkEnvChange({ set: ['A'] }))).toBe('BAD_REQUEST');
    expect(codeOf(() => checkEnvChange({ unset: 'A' }))).toBe('BAD_REQUEST');
    expect(codeOf(() => checkEnvChange({ set: { A: '\uD800' } }))).toBe('ENV_INVALID');
  });

  it('compares envs by names and values', () => {
    expect(sameEnv({ A: '1', B: '2' }, { B: '2', A: '1' })).toBe(true);
    expect(sameEnv({ A: '1' }, { A: '1 ' })).toBe(false);
    expect(sameEnv({ A: '1' }, { A: '1', B: '' })).toBe(false);
  });
});

describe('describeRelease', () => {
  it('says what a release was, with names only', () => {
    expect(describeRelease({ kind: 'push' }, 'b7f3k2')).toBe('push b7f3k2');
    expect(describeRelease({ kind: 'env', set: ['A', 'B'] }, 'b1')).toBe('env set A, B');
    expect(describeRelease({ kind: 'env', unset: ['C'] }, 'b1')).toBe('env unset C');
    expect(describeRelease({ kind: 'env', set: ['A'], unset: ['C'] }, 'b1')).toBe('env set A; unset C');
    expect(describeRelease({ kind: 'rollback', to: 'v2' }, 'b1')).toBe('rollback to v2');
  });
});
