import type { DataService, DataType } from '../spec-types.js';
import { addProblem, addWarning, type SpecContext } from './problems.js';
import { pathOf } from './paths.js';
import { readMap, readString } from './fields.js';
import { isAbsent, setOwn, type PlainMap } from './records.js';
import { checkRelativePath } from './relative-path.js';
import { didYouMean } from '../suggest.js';

export const DATA_SERVICE_KEYS = ['type', 'config', 'approot'] as const;

/** Keys that only mean something on a code service: named as such, not as unknown. */
const CODE_ONLY_KEYS = new Set([
  'approot', 'systempackages', 'requirements', 'prebuild', 'postbuild', 'postinstall', 'process', 'processes',
  'ports', 'environment', 'instances', 'healthcheck', 'request_timeout', 'buildscript', 'dockerfile',
]);

function codeOnly(key: string, type: DataType): string {
  return `${JSON.stringify(key)} applies only to code services: a ${type} service runs the platform's ${type} image, with no build, packages or processes of its own`;
}

/** A database or cache: its config (e.g. dotCloud's `mysql_serverid`) is kept as written. */
export function readDataService(ctx: SpecContext, name: string, type: DataType, body: PlainMap): DataService {
  const at = (key: string): string => pathOf(pathOf('', name), key);
  const service: DataService = { kind: 'data', name, type, config: {} };
  for (const [key, value] of Object.entries(body)) {
    if (key === 'type') continue;
    if (key === 'config') {
      if (isAbsent(value)) continue;
      for (const [k, v] of Object.entries(readMap(ctx, value, at(key)) ?? {})) setOwn(service.config, k, v);
    } else if (key === 'approot' && ctx.file === 'dotcloud.yml') {
      // dotCloud build files carry it on data services; it is kept and has no effect.
      const text = readString(ctx, value, at(key));
      const checked = text === undefined ? undefined : checkRelativePath(text);
      if (checked?.ok) service.approot = checked.path;
      else if (checked) addProblem(ctx, at(key), checked.message);
    } else if (CODE_ONLY_KEYS.has(key)) {
      if (ctx.file === 'dotcloud.yml') addWarning(ctx, at(key), `${codeOnly(key, type)}; it is ignored`);
      else addProblem(ctx, at(key), codeOnly(key, type));
    } else if (ctx.file === 'dotcloud.yml') {
      addWarning(ctx, at(key), `unknown key ${JSON.stringify(key)}${didYouMean(key, DATA_SERVICE_KEYS)} is ignored: a data service takes ${DATA_SERVICE_KEYS.join(', ')}`);
    } else {
      addProblem(ctx, at(key), `unknown key ${JSON.stringify(key)}${didYouMean(key, DATA_SERVICE_KEYS)}; a data service takes ${DATA_SERVICE_KEYS.join(', ')}`);
    }
  }
  return service;
}
