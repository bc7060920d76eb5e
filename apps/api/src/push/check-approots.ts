import { realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { missingApprootError, type AppSpec } from '@paas/core';

/**
 * Every code service's approot is a directory of the pushed tree (a symlink
 * to one inside it counts): checked before anything is built, so a typo in
 * it is one clear error and the push leaves nothing behind.
 */
export async function checkApproots(dir: string, spec: AppSpec): Promise<void> {
  const root = await realpath(dir);
  const found = new Set<string>();
  for (const service of Object.values(spec.services)) {
    if (service.kind === 'code' && (await isDirectoryInside(root, join(root, service.approot)))) found.add(service.approot);
  }
  const err = missingApprootError(spec, (approot) => found.has(approot));
  if (err !== undefined) throw err;
}

async function isDirectoryInside(root: string, path: string): Promise<boolean> {
  try {
    const real = await realpath(path);
    return (real === root || real.startsWith(root + sep)) && (await stat(real)).isDirectory();
  } catch {
    return false;
  }
}
