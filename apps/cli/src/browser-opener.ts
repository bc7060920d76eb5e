import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** How each platform opens a URL in the default browser (lookup table, style.md 10). */
const OPENERS: Partial<Record<NodeJS.Platform, { command: string; args: string[]; needsDisplay: boolean }>> = {
  linux: { command: 'xdg-open', args: [], needsDisplay: true },
  freebsd: { command: 'xdg-open', args: [], needsDisplay: true },
  openbsd: { command: 'xdg-open', args: [], needsDisplay: true },
  darwin: { command: 'open', args: [], needsDisplay: false },
  // `start` is built into cmd.exe; the empty "" is the window title it would otherwise take from the URL.
  win32: { command: 'cmd', args: ['/c', 'start', '""'], needsDisplay: false },
};

export interface OpenerInput {
  platform: NodeJS.Platform;
  /** PATH of the environment. */
  searchPath: string;
  hasDisplay: boolean;
  /** stdout is a terminal: someone is there to look at a browser. */
  isTTY: boolean;
}

/** Either the command that opens the URL, or why none will and the URL is printed instead. */
export type OpenerPlan = { argv: string[] } | { reason: string };

/** Decides how `paas open` shows a URL; `find` looks a command up on PATH. */
export function planOpener(url: string, input: OpenerInput, find = findOnPath): OpenerPlan {
  if (!input.isTTY) return { reason: 'not a terminal' };
  const opener = OPENERS[input.platform];
  if (opener === undefined) return { reason: `no browser opener known on ${input.platform}` };
  if (opener.needsDisplay && !input.hasDisplay) return { reason: 'no display: DISPLAY and WAYLAND_DISPLAY are unset' };
  const command = find(opener.command, input.searchPath);
  if (command === undefined) return { reason: `${opener.command} is not on PATH` };
  return { argv: [command, ...opener.args, url] };
}

/** The first executable file named `name` in the PATH directories. */
export function findOnPath(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    for (const candidate of process.platform === 'win32' ? [`${file}.exe`, file] : [file]) {
      try {
        if (!statSync(candidate).isFile()) continue;
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here: try the next directory
      }
    }
  }
  return undefined;
}

/**
 * Starts the opener detached and returns as soon as it has started (or
 * failed to): a browser may run for hours, and paas never waits for it.
 */
export function launchDetached(argv: string[], env: Record<string, string | undefined>): Promise<void> {
  const [command = '', ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore', env, windowsVerbatimArguments: process.platform === 'win32' });
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
    child.once('error', reject);
  });
}
