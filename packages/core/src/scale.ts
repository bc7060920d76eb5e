import { PaasError } from './errors.js';
import { SERVICE_NAME_RE } from './names.js';
import { MAX_INSTANCES } from './spec/index.js';


const COUNT_RE = /^(0|[1-9][0-9]{0,1})$/;

/**
 * `www=3 worker=2` → { www: 3, worker: 2 }. Only plain whole numbers from 0
 * to 64: `-1`, `1.5`, `1e3`, `0x10`, empty are refused (reliability 3).
 * Pure: the API checks the services against the app.
 */
export function parseScaleArgs(args: readonly string[]): Record<string, number> {
  if (args.length === 0) {
    throw new PaasError('SCALE_INVALID', 'name at least one service and its instance count', { hint: 'paas scale www=3 [worker=2 …]' });
  }
  const out: Record<string, number> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw invalid(arg, 'expected SERVICE=N');
    const service = arg.slice(0, eq);
    const count = arg.slice(eq + 1);
    if (service === '') throw invalid(arg, 'the service name is missing before =');
    if (!SERVICE_NAME_RE.test(service)) throw invalid(arg, `${JSON.stringify(service)} is not a service name`);
    if (!COUNT_RE.test(count) || Number(count) > MAX_INSTANCES) {
      throw invalid(arg, `the count must be a whole number from 0 to ${MAX_INSTANCES}, got ${count === '' ? 'nothing' : JSON.stringify(count)}`);
    }
    if (Object.hasOwn(out, service)) throw invalid(arg, `${service} is named twice`);
    out[service] = Number(count);
  }
  return out;
}

/** Checks a scale request's body (the API's side of the same rules). */
export function checkScale(value: unknown): Record<string, number> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PaasError('SCALE_INVALID', 'expected {"scale": {"SERVICE": N}}');
  }
  // Only JSON numbers: "3" as a string is as wrong as 1.5.
  return parseScaleArgs(Object.entries(value).map(([k, v]) => `${k}=${typeof v === 'number' && Number.isInteger(v) ? String(v) : JSON.stringify(v)}`));
}

function invalid(arg: string, why: string): PaasError {
  return new PaasError('SCALE_INVALID', `${arg}: ${why}`, { hint: 'paas scale SERVICE=N with N from 0 to 64, e.g. paas scale www=3' });
}

/** `www.2` → { service: 'www', index: 2 }; `www` → { service: 'www' }. */
export function parseInstanceRef(ref: string): { service: string; index?: number } {
  const m = /^([a-z][a-z0-9_]{0,15})(?:\.([1-9][0-9]{0,1}))?$/.exec(ref);
  if (!m) {
    throw new PaasError('USAGE', `${JSON.stringify(ref)} is not a service or instance`, { hint: 'name a service (www) or one instance (www.2)' });
  }
  return m[2] === undefined ? { service: m[1]! } : { service: m[1]!, index: Number(m[2]) };
}
