import type { CodeType } from '../spec-types.js';
import { addProblem, addWarning, type SpecContext } from './problems.js';
import { describeValue, pathOf } from './paths.js';
import { readMap, scalarText } from './fields.js';
import { isAbsent, setOwn } from './records.js';
import { didYouMean } from '../suggest.js';
import { PROVIDED_RUNTIMES, isVersionKey, isVersionProvided, normaliseVersion, unavailableMessage, type VersionKey } from './versions.js';

/** Config keys each type's builder reads, besides the `*_version` keys every type accepts. */
const KNOWN_CONFIG_KEYS: Partial<Record<CodeType, readonly string[]>> = {
  python: ['static_root'],
  static: ['static_root'],
};

/** A version key found at service level (dotCloud allowed `node_version` there). */
export interface LooseVersion {
  key: VersionKey;
  value: unknown;
  path: string;
}

/**
 * Type-specific settings: versions are normalised and checked, other keys
 * are kept for the build (with a warning when paas does not know them).
 */
export function readCodeConfig(ctx: SpecContext, type: CodeType, value: unknown, path: string, loose: readonly LooseVersion[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const map = isAbsent(value) ? {} : (readMap(ctx, value, path) ?? {});
  for (const [key, item] of Object.entries(map)) {
    const itemPath = pathOf(path, key);
    if (key === 'cpus' || key === 'memory') {
      const limit = readLimit(ctx, key, item, itemPath);
      if (limit !== undefined) setOwn(out, key, limit);
    } else if (isVersionKey(key)) {
      const version = readVersion(ctx, key, item, itemPath);
      if (version !== undefined) setOwn(out, key, version);
    } else {
      if (!(KNOWN_CONFIG_KEYS[type] ?? []).includes(key)) {
        const known = [...(KNOWN_CONFIG_KEYS[type] ?? []), ...Object.keys(PROVIDED_RUNTIMES), 'cpus', 'memory'];
        addWarning(ctx, itemPath, `${JSON.stringify(key)} is not a config key paas knows for ${type}${didYouMean(key, known)}; it is kept and passed to the build`);
      }
      setOwn(out, key, item);
    }
  }
  for (const { key, value: item, path: itemPath } of loose) {
    const version = readVersion(ctx, key, item, itemPath);
    if (version === undefined) continue;
    if (key in out && out[key] !== version) {
      addProblem(ctx, itemPath, `${key} is also set in config, to ${JSON.stringify(out[key])}; keep one`);
    } else {
      setOwn(out, key, version);
    }
  }
  return out;
}

/** Limits every code type takes: `cpus` (a fraction of cores) and `memory` (MiB) of each instance. */
const LIMITS = { cpus: { min: 0.05, max: 64, what: 'a number of CPUs from 0.05 to 64, e.g. 0.5' }, memory: { min: 16, max: 65536, what: 'whole MiB from 16 to 65536, e.g. 256' } } as const;

function readLimit(ctx: SpecContext, key: 'cpus' | 'memory', value: unknown, path: string): number | undefined {
  const rule = LIMITS[key];
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= rule.min && value <= rule.max && (key === 'cpus' || Number.isInteger(value));
  if (!ok) {
    addProblem(ctx, path, `expected ${rule.what}, got ${describeValue(value)}`);
    return undefined;
  }
  return value as number;
}

function readVersion(ctx: SpecContext, key: VersionKey, value: unknown, path: string): string | undefined {
  const text = scalarText(ctx, value, path);
  const version = text === undefined || typeof value === 'boolean' ? undefined : normaliseVersion(text);
  if (version === undefined) {
    addProblem(ctx, path, `expected a version like "3.11", "v2.7" or "v0.8.x", got ${describeValue(value)}`);
    return undefined;
  }
  if (!isVersionProvided(key, version)) {
    if (ctx.strict) addProblem(ctx, path, unavailableMessage(key, version, true), 'version');
    else addWarning(ctx, path, unavailableMessage(key, version, false));
  }
  return version;
}
