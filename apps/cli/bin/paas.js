#!/usr/bin/env node
// The `paas` bin, committed unlike dist/: npm links a bin into node_modules/.bin
// only when its file exists at install time, and on a fresh clone dist/ does not.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
  process.stderr.write(` !     paas is not built yet: ${fileURLToPath(built)} is missing\n       hint: run npm run build in ${root}\n`);
  process.exit(1);
}
await import(built.href);
