import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { PaasError, type AppSpec, type Problem } from '@paas/core';

/**
 * Every code service's approot is a directory of the pushed tree: checked
 * before anything is built, so a typo in it is one clear error and the push
 * leaves nothing behind.
 */
export async function checkApproots(dir: string, spec: AppSpec): Promise<void> {
  const root = await realpath(dir);
  const problems: Problem[] = [];
  for (const service of Object.values(spec.services)) {
    if (service.kind !== 'code' || service.approot === '.') continue;
    const path = `${service.name}.approot`;
    if (!(await isDirectoryInside(root, join(root, service.approot)))) {
      problems.push({ path, message: `${JSON.stringify(service.approot)} is not a directory of the pushed tree` });
    }
  }
  const [first] = problems;
  if (first === undefined) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  throw new PaasError('SPEC_INVALID', `${spec.file}: ${first.path}: ${first.message}${more}`, {
    path: first.path,
    problems,
    hint: 'approot is relative to the directory you push; fix the path in the spec or push from the right directory',
  });
}

async function isDirectoryInside(root: string, path: string): Promise<boolean> {
  try {
    const real = await realpath(path);
    return (real === root || real.startsWith(root + sep)) && (await stat(real)).isDirectory();
  } catch {
    return false;
  }
}
