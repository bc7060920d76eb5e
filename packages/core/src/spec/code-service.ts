import type { CodeService, CodeType, SupportedCodeType } from '../spec-types.js';
import { addProblem, addWarning, type SpecContext } from './problems.js';
import { describeValue, pathOf } from './paths.js';
import { readCommand, readNamedMap, readString } from './fields.js';
import { isAbsent, isPlainMap, setOwn, type PlainMap } from './records.js';
import { checkRelativePath } from './relative-path.js';
import { readRequirements, readSystemPackages } from './packages.js';
import { readPorts } from './ports.js';
import { readEnvironment } from './environment.js';
import { readHealthcheck } from './healthcheck.js';
import { readCodeConfig, type LooseVersion } from './config.js';
import { isVersionKey } from './versions.js';
import { didYouMean } from '../suggest.js';
import { CUSTOM_DEFAULT_PROCESS, DEFAULT_INSTANCES, MAX_INSTANCES, defaultPorts, isWorkerService } from './defaults.js';

export const CODE_SERVICE_KEYS = [
  'type', 'approot', 'systempackages', 'requirements', 'prebuild', 'postbuild', 'postinstall',
  'process', 'processes', 'ports', 'environment', 'config', 'instances', 'healthcheck', 'request_timeout', 'buildscript', 'dockerfile',
] as const;

const HOOKS = ['prebuild', 'postbuild', 'postinstall', 'process'] as const;
const PROCESS_NAME = { re: /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, rule: 'process names are letters, digits, _ and -, at most 32' };

/** Reads one code service; every problem goes to ctx, so the result is only used when there are none. */
export function readCodeService(ctx: SpecContext, name: string, type: CodeType, body: PlainMap): CodeService {
  const at = (key: string): string => pathOf(pathOf('', name), key);
  const known = new Set<string>(CODE_SERVICE_KEYS);
  const extra: Record<string, unknown> = {};
  const loose: LooseVersion[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (known.has(key)) continue;
    if (isVersionKey(key)) loose.push({ key, value, path: at(key) });
    else if (ctx.file === 'dotcloud.yml') {
      addWarning(ctx, at(key), `unknown key ${JSON.stringify(key)}${didYouMean(key, CODE_SERVICE_KEYS)}: kept and passed to the build, but paas does not use it`);
      setOwn(extra, key, value);
    } else addProblem(ctx, at(key), `unknown key ${JSON.stringify(key)}${didYouMean(key, CODE_SERVICE_KEYS)}; a code service takes ${CODE_SERVICE_KEYS.join(', ')}`);
  }

  const approot = readApproot(ctx, body.approot, at('approot')) ?? '.';
  const ports = isAbsent(body.ports) ? defaultPorts(type) : (readPorts(ctx, body.ports, at('ports')) ?? {});
  const service: CodeService = {
    kind: 'code',
    name,
    type: type as SupportedCodeType,
    isWorker: isWorkerService(type, ports),
    approot,
    systempackages: isAbsent(body.systempackages) ? [] : readSystemPackages(ctx, body.systempackages, at('systempackages')),
    requirements: isAbsent(body.requirements) ? [] : readRequirements(ctx, body.requirements, at('requirements')),
    ports,
    environment: isAbsent(body.environment) ? {} : readEnvironment(ctx, body.environment, at('environment')),
    config: readCodeConfig(ctx, type, body.config, at('config'), loose),
    instances: readInstances(ctx, body.instances, at('instances')),
    healthcheck: readHealthcheck(ctx, body.healthcheck, at('healthcheck')),
    extra,
  };
  for (const hook of HOOKS) {
    if (body[hook] === undefined) continue;
    const command = readCommand(ctx, body[hook], at(hook));
    if (command !== undefined) service[hook] = command;
  }
  if (body.processes !== undefined) {
    if (body.process !== undefined) addProblem(ctx, at('processes'), 'use either process or processes, not both');
    const processes = readNamedMap(ctx, body.processes, at('processes'), PROCESS_NAME, (cmd, path) => readCommand(ctx, cmd, path));
    if (isPlainMap(body.processes) && Object.keys(body.processes).length === 0) addProblem(ctx, at('processes'), 'expected at least one process');
    if (processes !== undefined) service.processes = processes;
  }
  if (body.request_timeout !== undefined) {
    const t = body.request_timeout;
    if (typeof t === 'number' && Number.isFinite(t) && t > 0 && t <= MAX_REQUEST_TIMEOUT) service.requestTimeout = t;
    else addProblem(ctx, at('request_timeout'), `expected a number of seconds above 0 and at most ${MAX_REQUEST_TIMEOUT}, got ${describeValue(t)}`);
  }
  readBuildFiles(ctx, service, body, at);
  return service;
}

/** An hour: a request that needs longer should be a job, not a request. */
const MAX_REQUEST_TIMEOUT = 3600;

function readApproot(ctx: SpecContext, value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  const text = readString(ctx, value, path);
  if (text === undefined) return undefined;
  const checked = checkRelativePath(text);
  if (!checked.ok) addProblem(ctx, path, checked.message);
  return checked.ok ? checked.path : undefined;
}

/** Whole numbers only, as written: `0x10` or `1e3` are refused like `paas scale` refuses them. */
function readInstances(ctx: SpecContext, value: unknown, path: string): number {
  if (value === undefined) return DEFAULT_INSTANCES;
  const written = ctx.rawScalars.get(path) ?? String(value);
  if (typeof value === 'number' && /^\d+$/.test(written) && value <= MAX_INSTANCES) return value;
  addProblem(ctx, path, `expected a whole number from 0 to ${MAX_INSTANCES}, got ${typeof value === 'number' ? written : describeValue(value)}`);
  return DEFAULT_INSTANCES;
}

/** `buildscript` and `dockerfile` (custom only, one of them), relative to the approot. */
function readBuildFiles(ctx: SpecContext, service: CodeService, body: PlainMap, at: (key: string) => string): void {
  for (const key of ['buildscript', 'dockerfile'] as const) {
    if (body[key] === undefined) continue;
    if (service.type !== 'custom') {
      addProblem(ctx, at(key), `only custom services take ${key}; this one is ${service.type}`);
      continue;
    }
    const text = readString(ctx, body[key], at(key));
    if (text === undefined) continue;
    const checked = checkRelativePath(text, service.approot);
    if (checked.ok) service[key] = checked.path;
    else addProblem(ctx, at(key), checked.message);
  }
  if (body.buildscript !== undefined && body.dockerfile !== undefined) {
    addProblem(ctx, at('dockerfile'), 'use either buildscript or dockerfile, not both');
  }
  // A custom service built by script runs ~/run unless told otherwise; a Dockerfile brings its own CMD.
  if (service.type === 'custom' && body.dockerfile === undefined && body.process === undefined && body.processes === undefined) {
    service.process = CUSTOM_DEFAULT_PROCESS;
  }
}
