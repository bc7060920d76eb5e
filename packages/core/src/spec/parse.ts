import { isServiceName } from '../names.js';
import type { AppSpec, ParsedSpec, ServiceSpec, SpecFileName } from '../spec-types.js';
import { addProblem, specError, type SpecContext } from './problems.js';
import { describeValue, pathOf } from './paths.js';
import { isPlainMap, setOwn, type PlainMap } from './records.js';
import { loadYaml } from './yaml-safety.js';
import { dotcloudOnlyTypeMessage, lookupType, unknownTypeMessage, unsupportedTypeMessage } from './service-types.js';
import { readCodeService } from './code-service.js';
import { readDataService } from './data-service.js';

export interface ParseSpecOptions {
  file: SpecFileName;
  /** Turn "version not available" warnings into VERSION_UNSUPPORTED (`--strict`). */
  strict?: boolean;
}

/**
 * Parses and validates a paas.yml / dotcloud.yml. Pure: the text in, the
 * defaulted spec and its warnings out. Throws SPEC_TOO_LARGE, SPEC_INVALID
 * (every problem, each with its path), or TYPE_UNSUPPORTED / VERSION_UNSUPPORTED
 * when those are the only problems.
 */
export function parseSpec(text: string, opts: ParseSpecOptions): ParsedSpec {
  const { value, rawScalars } = loadYaml(text, opts.file);
  const ctx: SpecContext = { file: opts.file, strict: opts.strict ?? false, problems: [], warnings: [], rawScalars };
  const services: Record<string, ServiceSpec> = {};
  if (!isPlainMap(value)) {
    addProblem(ctx, '', value === null ? 'the file is empty; describe at least one service' : `expected a map of service name → service, got ${describeValue(value)}`);
  } else if (Object.keys(value).length === 0) {
    addProblem(ctx, '', 'the file describes no service; add at least one');
  } else {
    for (const [name, body] of Object.entries(value)) {
      const path = pathOf('', name);
      const nameOk = isServiceName(name);
      if (!nameOk) addProblem(ctx, path, `invalid service name ${JSON.stringify(name)}: use 1–16 lowercase letters, digits and _, starting with a letter`);
      const service = readService(ctx, name, path, body);
      if (service !== undefined && nameOk) setOwn(services, name, service);
    }
  }
  if (ctx.problems.length > 0) throw specError(opts.file, ctx.problems);
  const spec: AppSpec = { file: opts.file, services };
  return { spec, warnings: ctx.warnings };
}

function readService(ctx: SpecContext, name: string, path: string, body: unknown): ServiceSpec | undefined {
  // dotCloud accepted a bare type: `data: mongodb`.
  const map: PlainMap | undefined = typeof body === 'string' ? { type: body } : isPlainMap(body) ? body : undefined;
  if (map === undefined) {
    addProblem(ctx, path, `expected a service (a map with a type, or a bare type name), got ${describeValue(body)}`);
    return undefined;
  }
  const typePath = typeof body === 'string' ? path : pathOf(path, 'type');
  if (map.type === undefined) {
    addProblem(ctx, typePath, 'missing: every service needs a type');
    return undefined;
  }
  if (typeof map.type !== 'string') {
    addProblem(ctx, typePath, `expected a type name, got ${describeValue(map.type)}`);
    return undefined;
  }
  const info = lookupType(map.type);
  if (info === undefined) {
    const dotcloudOnly = dotcloudOnlyTypeMessage(map.type);
    if (dotcloudOnly !== undefined) addProblem(ctx, typePath, dotcloudOnly, 'type');
    else addProblem(ctx, typePath, unknownTypeMessage(map.type));
    return undefined;
  }
  if (!info.supported) addProblem(ctx, typePath, unsupportedTypeMessage(info), 'type');
  // Unsupported types are still read, so their other mistakes are reported too.
  return info.kind === 'code' ? readCodeService(ctx, name, info.type, map) : readDataService(ctx, name, info.type, map);
}
