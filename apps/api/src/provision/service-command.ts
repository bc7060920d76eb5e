import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ServiceCommand } from '@paas/services';
import type { ProcessSpec, Runtime } from '../runtime/types.js';

/** Output kept for an error message: the tail is where tools say what went wrong. */
const KEEP_BYTES = 4096;

export interface CommandResult {
  exitCode: number;
  /** The last few KiB of stderr (and of stdout when it is not piped elsewhere). */
  output: string;
}

/** A data service command as a process in its container: never through a shell of ours, secrets only in env. */
export function commandProcess(cmd: ServiceCommand, defaultUser: string, extraArgs: string[] = []): ProcessSpec {
  return { argv: [...cmd.argv, ...extraArgs], tty: false, user: cmd.user ?? defaultUser, workdir: '/', ...(cmd.env ? { env: cmd.env } : {}) };
}

/**
 * Runs a command in the data service's container to its end. `stdin` is
 * piped in (ended when it ends), `stdout` receives its output with
 * backpressure; without one, stdout is kept (its tail) like stderr.
 */
export async function runInService(
  runtime: Runtime,
  id: string,
  proc: ProcessSpec,
  io: { stdin?: Readable; stdout?: Writable; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<CommandResult> {
  const session = await runtime.attach(id, proc);
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-KEEP_BYTES);
  };
  const timer = io.timeoutMs === undefined ? undefined : setTimeout(() => void session.kill().catch(() => undefined), io.timeoutMs);
  const abort = (): void => void session.kill().catch(() => undefined);
  io.signal?.addEventListener('abort', abort, { once: true });
  try {
    const feeding = io.stdin ? pipeline(io.stdin, session.stdin).catch(() => session.stdin.end()) : Promise.resolve(session.stdin.end());
    const draining = io.stdout ? pipeline(session.stdout, io.stdout, { end: false }) : drain(session.stdout, keep);
    const errors = session.stderr ? drain(session.stderr, keep) : Promise.resolve();
    await Promise.all([feeding, draining, errors]);
    return { exitCode: await session.wait(), output: tail.trim() };
  } catch (err) {
    await session.kill().catch(() => undefined);
    throw err;
  } finally {
    if (timer) clearTimeout(timer);
    io.signal?.removeEventListener('abort', abort);
  }
}

async function drain(stream: Readable, keep: (chunk: Buffer) => void): Promise<void> {
  for await (const chunk of stream) keep(chunk as Buffer);
}
