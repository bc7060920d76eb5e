import { posix } from 'node:path';

export type PathCheck = { ok: true; path: string } | { ok: false; message: string };

/**
 * Normalises a POSIX path relative to the pushed tree (`./web/` → `web`,
 * the root is ".") and refuses one that is absolute or climbs out of it.
 * `base` is the folder it is relative to (an approot), itself already checked.
 */
export function checkRelativePath(value: string, base = '.'): PathCheck {
  if (value.trim() === '') return { ok: false, message: 'expected a relative path, got an empty string' };
  if (/[\0\n\r]/.test(value)) return { ok: false, message: 'a path cannot hold NUL or line breaks' };
  if (value.includes('\\')) return { ok: false, message: `use / to separate folders, got ${JSON.stringify(value)}` };
  if (value.startsWith('/') || value.startsWith('~')) {
    return { ok: false, message: `must be relative to the pushed tree, got the absolute path ${JSON.stringify(value)}` };
  }
  const path = posix.normalize(value).replace(/\/+$/, '') || '.';
  const fromRoot = posix.normalize(posix.join(base, path));
  if (fromRoot === '..' || fromRoot.startsWith('../')) {
    return { ok: false, message: `${JSON.stringify(value)} leaves the pushed tree; paths must stay inside it` };
  }
  return { ok: true, path };
}
