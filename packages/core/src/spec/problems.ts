import { PaasError, type Problem } from '../errors.js';
import type { SpecFileName, SpecWarning } from '../spec-types.js';

/**
 * Problems are collected, not thrown one by one, so that a user fixes the
 * whole file in one go. The kind decides the error code at the end.
 */
export type ProblemKind = 'invalid' | 'type' | 'version';

export interface KindedProblem extends Problem {
  kind: ProblemKind;
}

/** What every step of the parser reads and writes. */
export interface SpecContext {
  file: SpecFileName;
  strict: boolean;
  problems: KindedProblem[];
  warnings: SpecWarning[];
  /** Source text of plain non-string scalars by path, so `3.10` stays "3.10". */
  rawScalars: ReadonlyMap<string, string>;
}

export function addProblem(ctx: SpecContext, path: string, message: string, kind: ProblemKind = 'invalid'): void {
  ctx.problems.push({ path, message, kind });
}

export function addWarning(ctx: SpecContext, path: string, message: string): void {
  ctx.warnings.push({ path, message });
}

export function formatProblem(p: Problem): string {
  return p.path === '' ? p.message : `${p.path}: ${p.message}`;
}

const HINTS = {
  SPEC_INVALID: 'fix the listed paths; docs/spec.md lists every key paas.yml accepts',
  TYPE_UNSUPPORTED: 'use one of the supported types, or remove the service',
  VERSION_UNSUPPORTED: 'request the version the platform provides, or push without --strict to accept it',
} as const;

/** One error for the whole file: the code follows the kinds of problem found. */
export function specError(file: SpecFileName, problems: readonly KindedProblem[]): PaasError {
  const kinds = new Set(problems.map((p) => p.kind));
  const only = kinds.size === 1 ? [...kinds][0] : 'invalid';
  const code = only === 'type' ? 'TYPE_UNSUPPORTED' : only === 'version' ? 'VERSION_UNSUPPORTED' : 'SPEC_INVALID';
  const list: Problem[] = problems.map(({ path, message }) => ({ path, message }));
  const first = list[0] ?? { path: '', message: 'invalid' };
  const more = list.length > 1 ? ` (and ${list.length - 1} more problem${list.length > 2 ? 's' : ''})` : '';
  const opts: { hint: string; problems: Problem[]; path?: string } = { hint: HINTS[code], problems: list };
  if (first.path !== '') opts.path = first.path;
  return new PaasError(code, `${file}: ${formatProblem(first)}${more}`, opts);
}
