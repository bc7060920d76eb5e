import { join, resolve } from 'node:path';

export const repoRoot = resolve(new URL('../../..', import.meta.url).pathname);
export const cliBin = join(repoRoot, 'apps/cli/dist/bin.js');
