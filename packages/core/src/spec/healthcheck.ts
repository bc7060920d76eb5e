import type { HealthCheck } from '../spec-types.js';
import { addProblem, type SpecContext } from './problems.js';
import { describeValue, pathOf } from './paths.js';
import { readMap } from './fields.js';
import { isAbsent } from './records.js';
import { DEFAULT_HEALTHCHECK, MAX_HEALTH_TIMEOUT } from './defaults.js';

const HEALTHCHECK_KEYS = ['path', 'timeout', 'interval'];

export function readHealthcheck(ctx: SpecContext, value: unknown, path: string): HealthCheck {
  const out: HealthCheck = { ...DEFAULT_HEALTHCHECK };
  if (isAbsent(value)) return out;
  const map = readMap(ctx, value, path);
  if (map === undefined) return out;
  for (const [key, item] of Object.entries(map)) {
    const itemPath = pathOf(path, key);
    if (key === 'path') {
      if (typeof item === 'string' && item.startsWith('/') && !/[\s\0]/.test(item)) out.path = item;
      else addProblem(ctx, itemPath, `expected an HTTP path starting with "/", got ${describeValue(item)}`);
    } else if (key === 'timeout' || key === 'interval') {
      if (typeof item === 'number' && Number.isFinite(item) && item > 0 && item <= MAX_HEALTH_TIMEOUT) out[key] = item;
      else addProblem(ctx, itemPath, `expected a number of seconds above 0 and at most ${MAX_HEALTH_TIMEOUT}, got ${describeValue(item)}`);
    } else {
      addProblem(ctx, itemPath, `unknown key ${JSON.stringify(key)}; healthcheck takes ${HEALTHCHECK_KEYS.join(', ')}`);
    }
  }
  if (out.interval > out.timeout) addProblem(ctx, pathOf(path, 'interval'), `the interval (${out.interval}s) is longer than the timeout (${out.timeout}s)`);
  return out;
}
