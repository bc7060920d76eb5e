import { addProblem, type SpecContext } from './problems.js';
import { describeValue } from './paths.js';
import { readNamedMap, scalarText } from './fields.js';

export const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** KEY → scalar; numbers and booleans keep the text they were written with, an empty value is "". */
export function readEnvironment(ctx: SpecContext, value: unknown, path: string): Record<string, string> {
  const rule = 'variable names are letters, digits and _, not starting with a digit';
  return (
    readNamedMap(ctx, value, path, { re: ENV_KEY_RE, rule }, (item, itemPath) => {
      const text = scalarText(ctx, item, itemPath);
      if (text === undefined) addProblem(ctx, itemPath, `expected a string, number or boolean, got ${describeValue(item)}`);
      return text;
    }) ?? {}
  );
}
