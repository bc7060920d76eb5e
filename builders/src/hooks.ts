import type { BuildFailure } from './build-stream.js';
import type { BuildPlan } from './build-plan.js';
import { HOME_DIR } from './layout.js';
import { shellQuote } from './shell.js';

/** What a script's first word may be for paas to look at it: a plain path, no shell syntax. */
const SCRIPT_RE = /^(\.{1,2}\/|~\/|\/home\/(app|dotcloud)\/)[A-Za-z0-9._\/+-]+$/;

/**
 * The scripts a hook command runs directly: the first word of each command
 * of a `;`, `&&`, `||`, `|` or `&` list, when it is a path (`./postinstall`,
 * `../postinstall.sh`, `~/bin/migrate`). `~/` becomes the home directory.
 */
export function hookScripts(command: string): string[] {
  const found: string[] = [];
  for (const part of command.split(/[;&|\n]+/)) {
    const first = part.trim().split(/\s+/)[0] ?? '';
    if (!SCRIPT_RE.test(first)) continue;
    const path = first.startsWith('~/') ? `${HOME_DIR}/${first.slice(2)}` : first;
    if (!found.includes(path)) found.push(path);
  }
  return found;
}

/**
 * The hook as run by `sh -c`: scripts committed without the executable bit
 * (common in dotCloud apps, whose platform ran them anyway) get it first, so
 * the kernel runs them through their `#!` line, and the shell runs one with
 * none as a shell script, as dotCloud did. The bit is set inside the
 * container (the build's layer or the instance), never on the host.
 */
export function hookCommand(command: string): string {
  const scripts = hookScripts(command);
  if (scripts.length === 0) return command;
  const list = scripts.map(shellQuote).join(' ');
  return `for f in ${list}; do if [ -f "$f" ] && [ ! -x "$f" ]; then chmod u+x "$f"; fi; done\n${command}`;
}

/**
 * A failed step that is a hook is named by its key (`www.postbuild`), so
 * the error says which of the spec's commands failed, above its output.
 */
export function nameHookStep(failure: BuildFailure, plan: BuildPlan): BuildFailure {
  const step = failure.step;
  if (step === undefined) return failure;
  for (const [instruction, key] of Object.entries(plan.hookSteps ?? {})) {
    if (step.endsWith(` : ${instruction}`)) return { ...failure, step: key };
  }
  return failure;
}
