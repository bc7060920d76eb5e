import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  PaasError, PROCFILE, PROCFILE_INPUTS, SPEC_FILES, chooseSpecSource, deriveProcfileSpec, parseSpec,
  type ParsedSpec, type ProcfileInput,
} from '@paas/core';

const MAX_SPEC_BYTES = 256 * 1024;

/** Reads and parses the spec at the root of an extracted push: paas.yml, dotcloud.yml, or one derived from a Procfile. */
export async function readSpec(dir: string, opts: { strict: boolean }): Promise<ParsedSpec> {
  const names = await readdir(dir);
  const present = names.filter((f) => (SPEC_FILES as readonly string[]).includes(f) || f === PROCFILE);
  if (present.length === 0) {
    throw new PaasError('SPEC_NOT_FOUND', 'the pushed directory has no paas.yml, dotcloud.yml or Procfile at its root', {
      hint: 'add a paas.yml (see docs/spec.md) and push again',
    });
  }
  const { file, warning } = chooseSpecSource(present);
  if (file === PROCFILE) return deriveProcfileSpec(await readInputs(dir, names), { strict: opts.strict });
  const text = await readSmallFile(dir, file);
  const parsed = parseSpec(text, { file, strict: opts.strict });
  if (warning) parsed.warnings.unshift({ path: file, message: warning });
  return parsed;
}

async function readSmallFile(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  const info = await stat(path);
  if (!info.isFile()) throw new PaasError('SPEC_INVALID', `${name} is not a regular file`);
  if (info.size > MAX_SPEC_BYTES) throw new PaasError('SPEC_TOO_LARGE', `${name} is larger than ${MAX_SPEC_BYTES / 1024} KiB`);
  return readFile(path, 'utf8');
}

/** The Procfile and the manifests beside it; links and directories are not read. */
async function readInputs(dir: string, names: readonly string[]): Promise<Partial<Record<ProcfileInput, string>>> {
  const files: Partial<Record<ProcfileInput, string>> = {};
  for (const name of PROCFILE_INPUTS) {
    if (!names.includes(name)) continue;
    if (name !== PROCFILE && !(await stat(join(dir, name))).isFile()) continue;
    files[name] = await readSmallFile(dir, name);
  }
  return files;
}
