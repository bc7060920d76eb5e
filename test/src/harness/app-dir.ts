import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './platform.js';

/** A private copy of a fixture (test/fixtures/NAME) or an example, to edit freely. */
export async function copyApp(from: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paas-app-'));
  await cp(join(repoRoot, from), dir, { recursive: true });
  return dir;
}

export async function writeVersion(dir: string, version: string): Promise<void> {
  await writeFile(join(dir, 'VERSION'), `${version}\n`);
}
