import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PaasError, SPEC_FILES, chooseSpecFile, parseSpec, type ParsedSpec } from '@paas/core';

const MAX_SPEC_BYTES = 256 * 1024;

/** Reads and parses the spec at the root of an extracted push. */
export async function readSpec(dir: string, opts: { strict: boolean }): Promise<ParsedSpec> {
  const present = (await readdir(dir)).filter((f) => (SPEC_FILES as readonly string[]).includes(f));
  if (present.length === 0) {
    throw new PaasError('SPEC_NOT_FOUND', 'the pushed directory has no paas.yml or dotcloud.yml at its root', {
      hint: 'add a paas.yml (see docs/spec.md) and push again',
    });
  }
  const { file, warning } = chooseSpecFile(present);
  const path = join(dir, file);
  const info = await stat(path);
  if (!info.isFile()) throw new PaasError('SPEC_INVALID', `${file} is not a regular file`);
  if (info.size > MAX_SPEC_BYTES) throw new PaasError('SPEC_TOO_LARGE', `${file} is larger than ${MAX_SPEC_BYTES / 1024} KiB`);
  const parsed = parseSpec(await readFile(path, 'utf8'), { file, strict: opts.strict });
  if (warning) parsed.warnings.unshift({ path: file, message: warning });
  return parsed;
}
