import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chooseSpecFile, PaasError, parseSpec, type ParsedSpec, type SpecFileName } from '@paas/core';

export interface LoadedSpec extends ParsedSpec {
  file: SpecFileName;
  /** Set when both paas.yml and dotcloud.yml exist: says which one is read. */
  fileWarning: string | undefined;
}

/** Finds and parses the spec in dir the way the API will; throws SPEC_NOT_FOUND or SPEC_INVALID. */
export async function loadSpec(dir: string, strict: boolean): Promise<LoadedSpec> {
  let present: string[];
  try {
    present = await readdir(dir);
  } catch (err) {
    throw new PaasError('SPEC_NOT_FOUND', `cannot read the directory ${resolve(dir)}`, { hint: 'pass the directory holding your paas.yml', cause: err });
  }
  const { file, warning } = chooseSpecFile(present);
  const text = await readFile(join(dir, file), 'utf8');
  return { ...parseSpec(text, { file, strict }), file, fileWarning: warning };
}
