import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PaasError } from '@paas/core';
import { readJson, writeFileAtomic } from './files.js';

/** `.paas/app.json` links a directory to an app: `{ "app": "blog" }`. */
export const LINK_FILE = join('.paas', 'app.json');

export async function writeLink(dir: string, app: string): Promise<string> {
  const file = join(resolve(dir), LINK_FILE);
  await writeFileAtomic(file, `${JSON.stringify({ app }, null, 2)}\n`);
  return file;
}

/** Finds the link in dir or the nearest parent, as git finds its repository. */
export async function findLink(dir: string): Promise<{ app: string; file: string } | undefined> {
  let current = resolve(dir);
  for (;;) {
    const file = join(current, LINK_FILE);
    const data = (await readJson(file)) as { app?: unknown } | undefined;
    if (data !== undefined) {
      if (typeof data.app !== 'string') throw new PaasError('NOT_LINKED', `${file} does not name an app`, { hint: 'run paas create (a new app) or paas link NAME (an existing one), or pass --app' });
      return { app: data.app, file };
    }
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
}

/** The linked directory: the one holding `.paas/app.json`. */
export function linkRoot(file: string): string {
  return dirname(dirname(file));
}

export async function removeLink(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** The app a command acts on: --app, else the directory's link. */
export async function resolveApp(option: string | undefined, dir = '.'): Promise<string> {
  if (option !== undefined) return option;
  const link = await findLink(dir);
  if (link === undefined) {
    throw new PaasError('NOT_LINKED', `${resolve(dir)} is not linked to an app`, { hint: 'run paas create (a new app) or paas link NAME (an existing one), or pass --app' });
  }
  return link.app;
}
