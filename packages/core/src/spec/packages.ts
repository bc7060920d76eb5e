import { addProblem, type SpecContext } from './problems.js';
import { describeValue, pathOf } from './paths.js';
import { readList } from './fields.js';

/**
 * Debian package names, optionally pinned (`imagemagick=8:6.9.11.60+dfsg-1.6`).
 * The first character can never be `-`, so no entry can pass as an apt option.
 */
export const SYSTEM_PACKAGE_RE = /^[a-z0-9][a-z0-9+.-]+(=[0-9][A-Za-z0-9.+~:-]*)?$/;

export function readSystemPackages(ctx: SpecContext, value: unknown, path: string): string[] {
  const list = readList(ctx, value, path) ?? [];
  const out: string[] = [];
  list.forEach((item, i) => {
    const itemPath = pathOf(path, i);
    if (typeof item !== 'string') {
      addProblem(ctx, itemPath, `expected a Debian package name, got ${describeValue(item)}`);
    } else if (!SYSTEM_PACKAGE_RE.test(item)) {
      addProblem(ctx, itemPath, `${JSON.stringify(item)} is not a Debian package name (lowercase letters, digits, + . -, starting with a letter or digit, optionally =version)`);
    } else {
      out.push(item);
    }
  });
  return out;
}

/**
 * Extra language packages. They reach pip/npm as separate arguments, never
 * through a shell, but an entry starting with `-` would still be read as an option.
 */
export function readRequirements(ctx: SpecContext, value: unknown, path: string): string[] {
  const list = readList(ctx, value, path) ?? [];
  const out: string[] = [];
  list.forEach((item, i) => {
    const itemPath = pathOf(path, i);
    if (typeof item !== 'string' || item.trim() === '') {
      addProblem(ctx, itemPath, `expected a package requirement, got ${describeValue(item)}`);
    } else if (item.startsWith('-')) {
      addProblem(ctx, itemPath, `${JSON.stringify(item)} looks like an option; list packages only`);
    } else if (/[\0\n\r]/.test(item)) {
      addProblem(ctx, itemPath, 'a requirement cannot hold NUL or line breaks');
    } else {
      out.push(item);
    }
  });
  return out;
}
