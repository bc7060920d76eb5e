/** Quoting helpers for the two languages we generate: POSIX sh and Dockerfile exec form. */

/** Quotes a word for POSIX sh (and Python's shlex): 'it'"'"'s'. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_./:=@%+-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** Dockerfile exec form: a JSON array, so no shell ever re-parses the arguments. */
export function execForm(args: readonly string[]): string {
  return JSON.stringify(args).replace(/","/g, '", "');
}

/**
 * Prefixes `exec` when the command is one simple command, so the program
 * replaces the shell as PID 1 and receives SIGTERM itself (dash does not exec
 * the last command of `sh -c` on its own). Lists, pipelines, compound commands
 * and leading assignments are left to the shell as written.
 */
export function execIfSimple(command: string): string {
  const trimmed = command.trim();
  if (/^exec(\s|$)/.test(trimmed)) return trimmed;
  if (/[;&|\n()]/.test(trimmed)) return trimmed;
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(trimmed)) return trimmed;
  if (/^(if|for|while|until|case|\{|!)(\s|$)/.test(trimmed)) return trimmed;
  return `exec ${trimmed}`;
}
