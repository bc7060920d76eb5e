import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** infra/swarm-lab.sh, which the multi-node tests bring their own lab up and down with. */
export const LAB_SCRIPT = join(repoRoot, 'infra', 'swarm-lab.sh');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end (or the timeout); never rejects: the exit code says how it went. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeout = 240_000): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolveRun) => {
    execFile(cmd, args, { env, timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolveRun({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A free TCP port on one of this machine's addresses (a lab's host address, for a registry the nodes reach). */
export function freePortOn(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}
