import { PaasError } from '../errors.js';
import type { SpecFileName } from '../spec-types.js';

/** In order of preference. */
export const SPEC_FILES = ['paas.yml', 'dotcloud.yml'] as const satisfies readonly SpecFileName[];

export interface ChosenSpecFile {
  file: SpecFileName;
  /** Set when a second spec file is present and ignored. */
  warning?: string;
}

/** Picks the spec among the file names at the root of the pushed tree: paas.yml wins. */
export function chooseSpecFile(present: readonly string[]): ChosenSpecFile {
  const found = SPEC_FILES.filter((file) => present.includes(file));
  const [file] = found;
  if (file === undefined) {
    const near = present.find((name) => /^(paas|dotcloud)\.yaml$/.test(name));
    throw new PaasError('SPEC_NOT_FOUND', 'no paas.yml or dotcloud.yml at the root of the directory', {
      hint: near !== undefined ? `rename ${near} to ${near.replace(/\.yaml$/, '.yml')}` : 'create a paas.yml describing your services (see docs/spec.md)',
    });
  }
  return found.length > 1 ? { file, warning: 'both paas.yml and dotcloud.yml exist; using paas.yml and ignoring dotcloud.yml' } : { file };
}
