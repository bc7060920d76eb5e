import { join, resolve } from 'node:path';

export const repoRoot = resolve(new URL('../../..', import.meta.url).pathname);
/** The bin users run (bin/paas.js → the bundled dist/paas.mjs). */
export const cliBin = join(repoRoot, 'apps/cli/bin/paas.js');
