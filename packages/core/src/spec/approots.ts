import { PaasError, type Problem } from '../errors.js';
import type { AppSpec } from '../spec-types.js';

/**
 * Every code service's approot must be a directory of the pushed tree. The
 * CLI asks this of what it is about to upload, the API of what it received;
 * `isDirectory` gets the approot as written in the spec (relative, POSIX).
 * Returns the SPEC_INVALID naming each missing one, or undefined.
 */
export function missingApprootError(spec: AppSpec, isDirectory: (approot: string) => boolean): PaasError | undefined {
  const problems: Problem[] = [];
  for (const service of Object.values(spec.services)) {
    if (service.kind !== 'code' || service.approot === '.' || isDirectory(service.approot)) continue;
    problems.push({ path: `${service.name}.approot`, message: `${JSON.stringify(service.approot)} is not a directory of the pushed tree` });
  }
  const [first] = problems;
  if (first === undefined) return undefined;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return new PaasError('SPEC_INVALID', `${spec.file}: ${first.path}: ${first.message}${more}`, {
    path: first.path,
    problems,
    hint: 'approot is relative to the directory you push; fix the path in the spec, or push from the directory that holds it',
  });
}
