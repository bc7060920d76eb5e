import { PaasError } from './errors.js';
// spec.md: the same rule as the spec's `environment` keys.
import { ENV_KEY_RE } from './spec/environment.js';

/** reliability 8: one value at most 64 KiB, the whole app env at most 1 MiB (UTF-8 bytes of keys and values). */
export const ENV_VALUE_MAX_BYTES = 64 * 1024;
export const ENV_TOTAL_MAX_BYTES = 1024 * 1024;
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** A name longer than this is a mistake, not a variable. */
export const ENV_KEY_MAX_LENGTH = 256;

/**
 * Names the platform sets on every instance after the app's own variables
 * (spec.md "What a running instance sees"): a value set for one of them would
 * be silently replaced, so it is refused instead. PAAS_ is the platform's
 * whole namespace (it also names data-service variables).
 */
const PLATFORM_NAMES = new Set(['PORT', 'DOTCLOUD_PROJECT', 'DOTCLOUD_SERVICE_NAME', 'DOTCLOUD_SERVICE_ID']);
const PLATFORM_PREFIXES = ['PORT_', 'PAAS_'];

export function isPlatformEnvName(key: string): boolean {
  return PLATFORM_NAMES.has(key) || PLATFORM_PREFIXES.some((p) => key.startsWith(p));
}

/** A printable form of a refused name (it may hold NUL or a newline). */
function shown(key: string): string {
  return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
}

/** Refuses a name a process environment or the spec's rule cannot take (reliability 5). */
export function checkEnvKey(key: string): string {
  if (key === '') throw new PaasError('ENV_INVALID', 'an environment variable name is empty', { hint: 'paas env set KEY=value' });
  if (key.length > ENV_KEY_MAX_LENGTH || !ENV_KEY_RE.test(key)) {
    throw new PaasError('ENV_INVALID', `invalid environment variable name ${shown(key)}`, {
      hint: 'names are letters, digits and _, not starting with a digit (e.g. DATABASE_URL)',
    });
  }
  if (isPlatformEnvName(key)) {
    throw new PaasError('ENV_INVALID', `${key} is set by the platform on every instance and cannot be changed`, {
      hint: 'PORT, PORT_*, PAAS_*, DOTCLOUD_PROJECT, DOTCLOUD_SERVICE_NAME and DOTCLOUD_SERVICE_ID belong to the platform',
    });
  }
  return key;
}

/**
 * Refuses a value that cannot reach a process byte for byte. Messages name
 * the key, never the value (reliability 7).
 */
export function checkEnvValue(key: string, value: string): string {
  if (value.includes('\0')) throw new PaasError('ENV_INVALID', `the value of ${key} contains a NUL byte, which a process environment cannot hold`);
  if (LONE_SURROGATE_RE.test(value)) throw new PaasError('ENV_INVALID', `the value of ${key} is not valid Unicode (a lone surrogate)`);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > ENV_VALUE_MAX_BYTES) {
    throw new PaasError('ENV_TOO_LARGE', `the value of ${key} is ${bytes} bytes; the limit is ${ENV_VALUE_MAX_BYTES} (64 KiB)`, {
      hint: 'put large data in a file of the app or in a data service',
    });
  }
  return value;
}

/** Bytes of an env as counted against ENV_TOTAL_MAX_BYTES. */
export function envBytes(env: Record<string, string>): number {
  let n = 0;
  for (const [k, v] of Object.entries(env)) n += Buffer.byteLength(k, 'utf8') + Buffer.byteLength(v, 'utf8');
  return n;
}

export function checkEnvTotal(env: Record<string, string>): void {
  const bytes = envBytes(env);
  if (bytes > ENV_TOTAL_MAX_BYTES) {
    throw new PaasError('ENV_TOO_LARGE', `the app's environment would be ${bytes} bytes; the limit is ${ENV_TOTAL_MAX_BYTES} (1 MiB)`, {
      hint: 'unset variables it no longer needs, or put large data in a file or a data service',
    });
  }
}

/** A change of the app env: `paas env set` and `paas env unset`. */
export interface EnvChange {
  set: Record<string, string>;
  unset: string[];
}

/**
 * Checks a change request's body (PATCH /v1/apps/:app/env): every name and
 * value, and that a name is not both set and unset. Returns it with its
 * names in a stable order.
 */
export function checkEnvChange(body: unknown): EnvChange {
  const b = (body ?? {}) as { set?: unknown; unset?: unknown };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badShape();
  const set: Record<string, string> = {};
  if (b.set !== undefined) {
    if (typeof b.set !== 'object' || b.set === null || Array.isArray(b.set)) throw badShape();
    for (const [k, v] of Object.entries(b.set)) {
      checkEnvKey(k);
      if (typeof v !== 'string') throw new PaasError('ENV_INVALID', `the value of ${k} must be a string`);
      set[k] = checkEnvValue(k, v);
    }
  }
  const unset: string[] = [];
  if (b.unset !== undefined) {
    if (!Array.isArray(b.unset)) throw badShape();
    for (const k of b.unset) {
      if (typeof k !== 'string') throw badShape();
      checkEnvKey(k);
      if (Object.hasOwn(set, k)) throw new PaasError('ENV_INVALID', `${k} is both set and unset`);
      if (!unset.includes(k)) unset.push(k);
    }
  }
  if (Object.keys(set).length === 0 && unset.length === 0) {
    throw new PaasError('ENV_INVALID', 'name at least one variable to set or unset', { hint: 'paas env set KEY=value, paas env unset KEY' });
  }
  return { set, unset };
}

function badShape(): PaasError {
  return new PaasError('BAD_REQUEST', 'expected {"set": {"KEY": "value"}, "unset": ["KEY"]}');
}

/** The app env after a change; its total size checked. */
export function applyEnvChange(env: Record<string, string>, change: EnvChange): Record<string, string> {
  const out: Record<string, string> = { ...env, ...change.set };
  for (const k of change.unset) delete out[k];
  checkEnvTotal(out);
  return out;
}

/** `KEY=value` arguments of `paas env set`: the value is everything after the first `=`, byte for byte. */
export function parseEnvAssignments(args: readonly string[]): Record<string, string> {
  if (args.length === 0) throw new PaasError('USAGE', 'name at least one KEY=value', { hint: 'paas env set KEY=value [KEY2=value2 …] or paas env set -f .env' });
  const out: Record<string, string> = {};
  for (const [i, arg] of args.entries()) {
    const eq = arg.indexOf('=');
    if (eq < 0) {
      // Not shown: it may be a value typed without its name.
      throw new PaasError('ENV_INVALID', `argument ${i + 1} has no =: expected KEY=value`, { hint: 'paas env set KEY=value' });
    }
    const key = checkEnvKey(arg.slice(0, eq));
    out[key] = checkEnvValue(key, arg.slice(eq + 1));
  }
  checkEnvTotal(out);
  return out;
}

/** Two envs hold the same names and values. */
export function sameEnv(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}
