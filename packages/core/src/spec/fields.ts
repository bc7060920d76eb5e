import { addProblem, type SpecContext } from './problems.js';
import { describeValue, pathOf } from './paths.js';
import { isPlainMap, setOwn, type PlainMap } from './records.js';

/** Readers for one value each: they add a problem with the path and return undefined when it is wrong. */

export function readMap(ctx: SpecContext, value: unknown, path: string): PlainMap | undefined {
  if (isPlainMap(value)) return value;
  addProblem(ctx, path, `expected a map, got ${describeValue(value)}`);
  return undefined;
}

export function readList(ctx: SpecContext, value: unknown, path: string): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  addProblem(ctx, path, `expected a list, got ${describeValue(value)}`);
  return undefined;
}

/** A command for `sh -c`: any non-blank text without NUL. */
export function readCommand(ctx: SpecContext, value: unknown, path: string): string | undefined {
  if (typeof value !== 'string') {
    addProblem(ctx, path, `expected a command string, got ${describeValue(value)}`);
    return undefined;
  }
  if (value.trim() === '') {
    addProblem(ctx, path, 'the command is empty');
    return undefined;
  }
  if (value.includes('\0')) {
    addProblem(ctx, path, 'the command holds a NUL character');
    return undefined;
  }
  return value;
}

export function readString(ctx: SpecContext, value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value;
  addProblem(ctx, path, `expected a string, got ${describeValue(value)}`);
  return undefined;
}

/** A map whose keys match `keyRe` and whose values `readValue` accepts; only valid entries are kept. */
export function readNamedMap<T>(
  ctx: SpecContext,
  value: unknown,
  path: string,
  key: { re: RegExp; rule: string },
  readValue: (value: unknown, path: string) => T | undefined,
): Record<string, T> | undefined {
  const map = readMap(ctx, value, path);
  if (map === undefined) return undefined;
  const out: Record<string, T> = {};
  for (const [name, item] of Object.entries(map)) {
    const itemPath = pathOf(path, name);
    if (!key.re.test(name)) {
      addProblem(ctx, itemPath, `invalid name ${JSON.stringify(name)}: ${key.rule}`);
      continue;
    }
    const read = readValue(item, itemPath);
    if (read !== undefined) setOwn(out, name, read);
  }
  return out;
}

/** A scalar written as a plain number or boolean is kept as written (`1.10` stays "1.10"). */
export function scalarText(ctx: SpecContext, value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return ctx.rawScalars.get(path) ?? String(value);
  return undefined;
}
