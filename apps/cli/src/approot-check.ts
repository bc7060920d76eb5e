import { missingApprootError, type AppSpec } from '@paas/core';
import type { PackEntry } from './pack.js';

/**
 * Refuses, before the upload, a spec whose approot is not among what would
 * be uploaded (a typo, or a folder left out by .gitignore). A symlink is left
 * to the API, which resolves it.
 */
export function checkApprootsPacked(spec: AppSpec, entries: readonly PackEntry[]): void {
  const dirs = new Set(entries.filter((e) => e.type !== 'file').map((e) => e.name));
  const err = missingApprootError(spec, (approot) => dirs.has(approot.replace(/\/+$/, '')));
  if (err !== undefined) throw err;
}
