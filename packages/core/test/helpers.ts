import { readFileSync } from 'node:fs';
import { PaasError } from '../src/errors.js';
import { parseSpec } from '../src/spec/index.js';
import type { CodeService, SpecFileName } from '../src/spec-types.js';

/** Runs fn, which must throw a PaasError, and returns it. */
export function catchPaasError(fn: () => unknown): PaasError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PaasError) return err;
    throw err;
  }
  throw new Error('expected a PaasError, nothing was thrown');
}

/** The error parseSpec throws for text. */
export function specErrorOf(text: string, file: SpecFileName = 'paas.yml', strict = false): PaasError {
  return catchPaasError(() => parseSpec(text, { file, strict }));
}

export function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

export function repoFile(path: string): string {
  return readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
}

/** Code service as parseSpec fills it in when only the type is given. */
type Defaulted = 'kind' | 'approot' | 'systempackages' | 'requirements' | 'environment' | 'config' | 'instances' | 'healthcheck' | 'extra';
export const codeDefaults: Pick<CodeService, Defaulted> = {
  kind: 'code',
  approot: '.',
  systempackages: [],
  requirements: [],
  environment: {},
  config: {},
  instances: 1,
  healthcheck: { path: '/', timeout: 30, interval: 1 },
  extra: {},
};
