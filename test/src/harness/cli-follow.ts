import { spawn } from 'node:child_process';
import { cliBin } from './paths.js';

export interface FollowedLine {
  /** performance.now() when the line reached us. */
  at: number;
  text: string;
}

export interface Follow {
  lines: FollowedLine[];
  stderr(): string;
  /** Resolves with the first line matching, or rejects after timeoutMs. */
  waitFor(match: (text: string) => boolean, timeoutMs?: number): Promise<FollowedLine>;
  /** Ctrl-C: resolves with the exit code. */
  interrupt(): Promise<number | null>;
}

/**
 * Runs a long-lived `paas` (e.g. `paas logs`), timestamping each stdout line
 * as it arrives. Always interrupt() it (or it is killed when the test
 * process ends).
 */
export function followCli(args: string[], env: NodeJS.ProcessEnv): Follow {
  const child = spawn(process.execPath, [cliBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: FollowedLine[] = [];
  const waiters = new Set<() => void>();
  let partial = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    const at = performance.now();
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) lines.push({ at, text });
    for (const w of waiters) w();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  process.once('exit', () => child.kill('SIGKILL'));
  return {
    lines,
    stderr: () => stderr,
    waitFor(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = lines.find((l) => match(l.text));
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching line within ${timeoutMs} ms; got:\n${lines.map((l) => l.text).join('\n')}\nstderr: ${stderr}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    async interrupt() {
      child.kill('SIGINT');
      return exited;
    },
  };
}
