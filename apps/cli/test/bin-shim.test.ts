import { execFile } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/program.js';
import { tempDir } from './helpers/temp.js';

const run = promisify(execFile);
const SHIM = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'paas.js');

describe('bin/paas.js, the committed bin npm links', () => {
  it('runs the built CLI', async () => {
    const r = await run(process.execPath, [SHIM, '--version']);
    expect(r.stdout).toBe(`${VERSION}\n`);
  });

  it('says how to build when dist/ is missing (a fresh clone before npm run build)', async () => {
    const root = await tempDir();
    const shim = join(root, 'apps', 'cli', 'bin', 'paas.js');
    await mkdir(dirname(shim), { recursive: true });
    await copyFile(SHIM, shim);
    const err = await run(process.execPath, [shim, '--version']).then(
      () => expect.fail('expected exit 1'),
      (e: { code: number; stderr: string }) => e,
    );
    expect(err.code).toBe(1);
    expect(err.stderr).toBe(` !     paas is not built yet: ${join(root, 'apps', 'cli', 'dist', 'bin.js')} is missing\n       hint: run npm run build in ${root}\n`);
  });
});
