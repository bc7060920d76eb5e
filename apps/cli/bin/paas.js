#!/usr/bin/env node
// The `paas` bin, committed unlike dist/: npm links a bin into node_modules/.bin
// only when its file exists at install time, and on a fresh clone dist/ does not.
// It runs the bundled CLI (dist/paas.mjs: one file loads twice as fast as the
// modules it is made of), or dist/bin.js when only tsc has run.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const bundled = new URL('../dist/paas.mjs', import.meta.url);
const built = new URL('../dist/bin.js', import.meta.url);
const entry = existsSync(bundled) ? bundled : built;
if (!existsSync(entry)) {
  const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
  process.stderr.write(` !     paas is not built yet: ${fileURLToPath(built)} is missing\n       hint: run npm run build in ${root}\n`);
  process.exit(1);
}
await import(entry.href);
