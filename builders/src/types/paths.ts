import { posix } from 'node:path';

/** A path relative to the approot, as a path relative to the pushed tree. */
export function inApproot(approot: string, relPath: string): string {
  return approot === '.' || approot === '' ? relPath : posix.join(approot, relPath);
}

/** Relative, normalised, free of `..` and odd characters: safe in a Dockerfile line and a config file. */
export function isPlainRelativePath(path: string): boolean {
  if (!/^[A-Za-z0-9._/-]+$/.test(path) || path.startsWith('/')) return false;
  return !posix.normalize(path).split('/').includes('..');
}
