import { basename, resolve } from 'node:path';
import { checkAppName, PaasError } from '@paas/core';

/** Longest app name the naming rule allows. */
const MAX = 32;

/** `My_Blog.v2` → `my-blog-v2`: the directory's name made into a valid app name, or '' if nothing is left. */
export function sanitizeAppName(raw: string): string {
  let name = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z]+/, '');
  name = name.slice(0, MAX).replace(/-+$/, '');
  return name;
}

/** The name `paas create [NAME]` uses: NAME as given (checked, never altered), else from the directory. */
export function chooseAppName(given: string | undefined, dir: string): string {
  if (given !== undefined) return checkAppName(given);
  const dirName = basename(resolve(dir));
  const name = sanitizeAppName(dirName);
  try {
    return checkAppName(name);
  } catch {
    throw new PaasError('NAME_INVALID', `cannot make an app name from the directory name ${JSON.stringify(dirName)}`, {
      hint: 'pass one: paas create NAME (2–32 lowercase letters, digits and single dashes, starting with a letter)',
    });
  }
}
