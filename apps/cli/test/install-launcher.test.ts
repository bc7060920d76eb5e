import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/program.js';
import { tempDir } from './helpers/temp.js';

const run = promisify(execFile);
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'infra', 'install-launcher.sh');

describe('infra/install-launcher.sh (what quickstart puts on the PATH)', () => {
  it('writes a paas launcher for this checkout that runs from any directory, and rewrites its own', async () => {
    const bin = await tempDir();
    const env = { ...process.env, PAAS_BIN_DIR: bin, PATH: `${bin}:${process.env.PATH ?? ''}` };
    const first = await run('bash', [SCRIPT], { env });
    expect(first.stdout).toBe(`${join(bin, 'paas')}\n`);
    expect(first.stderr).toBe('');
    const version = await run('paas', ['--version'], { env, cwd: await tempDir() });
    expect(version.stdout).toBe(`${VERSION}\n`);
    await run('bash', [SCRIPT], { env });
    expect(await readFile(join(bin, 'paas'), 'utf8')).toContain('# paas launcher (infra/install-launcher.sh)\n');
  });

  it('never replaces a paas it did not write, and warns when the directory is not on PATH', async () => {
    const bin = await tempDir();
    await writeFile(join(bin, 'paas'), '#!/bin/sh\necho mine\n', { mode: 0o755 });
    const refused = await run('bash', [SCRIPT], { env: { ...process.env, PAAS_BIN_DIR: bin } }).then(
      () => expect.fail('expected exit 1'),
      (e: { code: number; stderr: string }) => e,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is not a paas launcher: left alone');
    expect(await readFile(join(bin, 'paas'), 'utf8')).toBe('#!/bin/sh\necho mine\n');
    const elsewhere = join(await tempDir(), 'bin');
    const warned = await run('bash', [SCRIPT], { env: { ...process.env, PAAS_BIN_DIR: elsewhere } });
    expect(warned.stderr).toContain(`${elsewhere} is not on your PATH`);
  });
});
