import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  chooseSpecSource, deriveProcfileSpec, MAX_SPEC_BYTES, PaasError, parseSpec, PROCFILE_INPUTS,
  type ParsedSpec, type ProcfileInput, type SpecFileName,
} from '@paas/core';

export interface LoadedSpec extends ParsedSpec {
  file: SpecFileName;
  /** Set when more than one of paas.yml, dotcloud.yml and Procfile exist: says which one is read. */
  fileWarning: string | undefined;
  /** For a Procfile app: the paas.yml it stands for, shown by `paas validate`. */
  derived?: string;
}

/** Finds and parses the spec in dir the way the API will; throws SPEC_NOT_FOUND, SPEC_INVALID or PROCFILE_INVALID. */
export async function loadSpec(dir: string, strict: boolean): Promise<LoadedSpec> {
  let present: string[];
  try {
    present = await readdir(dir);
  } catch (err) {
    throw new PaasError('SPEC_NOT_FOUND', `cannot read the directory ${resolve(dir)}`, { hint: 'pass the directory holding your paas.yml', cause: err });
  }
  const { file, warning } = chooseSpecSource(present);
  if (file === 'Procfile') {
    const derived = deriveProcfileSpec(await readProcfileInputs(dir, present), { strict });
    return { spec: derived.spec, warnings: derived.warnings, file, fileWarning: warning, derived: derived.yaml };
  }
  const text = await readFile(join(dir, file), 'utf8');
  return { ...parseSpec(text, { file, strict }), file, fileWarning: warning };
}

/** The files a Procfile derivation reads; each is small, and one that is not a file is left out. */
async function readProcfileInputs(dir: string, present: readonly string[]): Promise<Partial<Record<ProcfileInput, string>>> {
  const files: Partial<Record<ProcfileInput, string>> = {};
  for (const name of PROCFILE_INPUTS) {
    if (!present.includes(name)) continue;
    const path = join(dir, name);
    const info = await stat(path);
    if (!info.isFile()) continue;
    if (info.size > MAX_SPEC_BYTES) throw new PaasError('SPEC_TOO_LARGE', `${name} is larger than ${MAX_SPEC_BYTES / 1024} KiB`);
    files[name] = await readFile(path, 'utf8');
  }
  return files;
}
