import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

const copies = new Set<string>();

/** A private copy of a fixture (test/fixtures/NAME) or an example, to edit freely; removed by removeAppCopies(). */
export async function copyApp(from: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paas-app-'));
  copies.add(dir);
  await cp(join(repoRoot, from), dir, { recursive: true });
  return dir;
}

/** Removes every copy made by copyApp in this process (the platform's stop() calls it). */
export async function removeAppCopies(): Promise<void> {
  await Promise.all([...copies].map((dir) => rm(dir, { recursive: true, force: true })));
  copies.clear();
}

export async function writeVersion(dir: string, version: string): Promise<void> {
  await writeFile(join(dir, 'VERSION'), `${version}\n`);
}
