import { CommanderError } from 'commander';
import { errorCatalogue, isPaasError, PaasError } from '@paas/core';
import { BANG, INDENT, paint } from './output.js';

/** A push that failed on the server: carries the failing instance's last log lines. */
export class PushFailed extends PaasError {
  readonly logs: string[];
  constructor(error: PaasError, logs: string[]) {
    const opts: ConstructorParameters<typeof PaasError>[2] = {};
    if (error.hint !== undefined) opts.hint = error.hint;
    if (error.path !== undefined) opts.path = error.path;
    if (error.problems !== undefined) opts.problems = error.problems;
    super(error.code, error.message, opts);
    this.logs = logs;
  }
}

/** Commander's own codes for help and version: not failures. */
const COMMANDER_OK = new Set(['commander.helpDisplayed', 'commander.version']);

export function exitCodeFor(err: unknown): number {
  if (isPaasError(err)) return errorCatalogue[err.code]?.exit ?? 1;
  if (err instanceof CommanderError) return COMMANDER_OK.has(err.code) ? 0 : errorCatalogue.USAGE.exit;
  return 1;
}

/** True when the error only means "help was shown": nothing to print. */
export function isQuietExit(err: unknown): boolean {
  return err instanceof CommanderError && (COMMANDER_OK.has(err.code) || err.code === 'commander.help');
}

/** The lines the one top-level catch prints (style.md 7). */
export function formatError(err: unknown, opts: { color: boolean; verbose: boolean }): string {
  const lines: string[] = [];
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof CommanderError) {
    lines.push(paint(BANG + message.replace(/^error: /, ''), 'red', opts.color));
    lines.push(`${INDENT}hint: see paas --help, or paas COMMAND --help`);
  } else if (isPaasError(err)) {
    const problems = err.problems ?? [];
    if (problems.length > 0) {
      // One line per problem; the headline only counts them, so none is printed twice.
      const n = problems.length;
      lines.push(paint(`${BANG}${errorCatalogue[err.code].title} (${n} problem${n === 1 ? '' : 's'}):`, 'red', opts.color));
      for (const p of problems) lines.push(`${INDENT}${p.path ? `${p.path}: ` : ''}${p.message}`);
    } else {
      const where = err.path !== undefined ? `${err.path}: ` : '';
      lines.push(paint(BANG + where + message, 'red', opts.color));
    }
    if (err.hint !== undefined) lines.push(`${INDENT}hint: ${err.hint}`);
    if (err instanceof PushFailed && err.logs.length > 0) {
      lines.push(`${INDENT}last log lines:`);
      for (const l of err.logs) lines.push(`${INDENT}| ${l}`);
    }
  } else {
    lines.push(paint(BANG + message, 'red', opts.color));
    if (!opts.verbose) lines.push(`${INDENT}hint: this is unexpected; run again with --verbose for details`);
  }
  if (opts.verbose && err instanceof Error && err.stack) {
    for (const l of err.stack.split('\n')) lines.push(paint(INDENT + l.trim(), 'dim', opts.color));
  }
  return lines.join('\n') + '\n';
}
