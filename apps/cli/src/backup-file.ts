import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { PaasError } from '@paas/core';
import type { Sink } from './output.js';

/** Where a backup goes while it arrives. */
export interface Destination {
  /** Resolves once the bytes may be reused and more may be written (backpressure). */
  write(bytes: Buffer): Promise<void>;
  /** The backup is complete: make it visible under its name. */
  commit(): Promise<void>;
  /** The backup failed: leave nothing behind that could pass for one. */
  discard(): Promise<void>;
  /** How the result is named to the user: `./blog-db-….paasbak`, `stdout`. */
  readonly shown: string;
  /** The partial file shown to the user, if there is one. */
  readonly partial: string | undefined;
}

/** Up to this much is queued for the disk while the next bytes arrive from the network. */
const HIGH_WATER = 1024 * 1024;

/**
 * FILE.partial, created afresh with mode 0600 (it holds the service's
 * data), renamed to FILE on commit after an fsync, removed on discard.
 * `output` may name a directory: the default name is used inside it.
 */
export async function fileDestination(cwd: string, output: string | undefined, defaultName: string): Promise<Destination> {
  let given = output ?? defaultName;
  let file = resolve(cwd, given);
  if (output !== undefined && (output.endsWith('/') || output.endsWith(sep) || (await isDirectory(file)))) {
    given = join(given, defaultName);
    file = resolve(cwd, given);
  }
  const shown = output === undefined ? `.${sep}${defaultName}` : given;
  const partialFile = `${file}.partial`;
  const partialShown = `${shown}.partial`;
  // A partial file left by a crash may have other permissions: start from nothing.
  await rm(partialFile, { force: true });
  const stream = createWriteStream(partialFile, { flags: 'wx', mode: 0o600, highWaterMark: HIGH_WATER });
  let failure: Error | undefined;
  stream.on('error', (err) => (failure ??= err));
  try {
    await new Promise<void>((ok, fail) => {
      stream.once('ready', () => ok());
      stream.once('error', fail);
    });
  } catch (err) {
    throw new PaasError('USAGE', `cannot write ${partialShown}: ${reason(err)}`, { hint: 'choose another file with -o FILE', cause: err });
  }
  const writeFailed = (err: unknown): PaasError =>
    new PaasError('BACKUP_FAILED', `writing ${partialShown} failed: ${reason(err)}`, { cause: err });

  return {
    shown,
    partial: partialShown,
    async write(bytes) {
      if (failure !== undefined) throw writeFailed(failure);
      if (!stream.write(bytes)) {
        try {
          await drained(stream);
        } catch (err) {
          throw writeFailed(err);
        }
      }
    },
    async commit() {
      try {
        await new Promise<void>((ok, fail) => {
          if (failure !== undefined) return fail(failure);
          stream.once('error', fail);
          stream.end(() => ok());
        });
        // On the disk before it is given its name: a crash never leaves a short FILE.
        const handle = await open(partialFile, 'r');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(partialFile, file);
      } catch (err) {
        throw writeFailed(err);
      }
    },
    async discard() {
      stream.destroy();
      await new Promise<void>((ok) => (stream.closed ? ok() : stream.once('close', () => ok())));
      await rm(partialFile, { force: true });
    },
  };
}

/** What stdout needs for binary output with backpressure (process.stdout, a test's Writable). */
interface RawOut {
  write(chunk: Uint8Array): boolean;
  once?(event: string, listener: (...args: unknown[]) => void): unknown;
  off?(event: string, listener: (...args: unknown[]) => void): unknown;
  destroyed?: boolean;
  writableEnded?: boolean;
}

/** `-o -`: the bytes go to stdout as they arrive; nothing to commit or remove. */
export function stdoutDestination(sink: Sink): Destination {
  const raw = (sink.raw ?? sink) as RawOut;
  const gone = (): PaasError =>
    new PaasError('BACKUP_FAILED', 'stdout was closed before the backup was complete');
  const closed = (): boolean => raw.destroyed === true || raw.writableEnded === true || (sink as { isClosed?: boolean }).isClosed === true;
  return {
    shown: 'stdout',
    partial: undefined,
    async write(bytes) {
      if (closed()) throw gone();
      if (!raw.write(bytes) && typeof raw.once === 'function') {
        try {
          await drained(raw as Required<Pick<RawOut, 'once' | 'off'>>);
        } catch {
          throw gone();
        }
      }
    },
    async commit() {
      if (closed()) throw gone();
    },
    async discard() {
      // Bytes already written cannot be taken back: the error and the exit code say the output is incomplete.
    },
  };
}

/** Resolves at 'drain'; rejects when the stream fails or closes first. */
function drained(stream: Pick<WriteStream, 'once' | 'off'> | Required<Pick<RawOut, 'once' | 'off'>>): Promise<void> {
  const s = stream as { once(e: string, l: (...a: unknown[]) => void): unknown; off(e: string, l: (...a: unknown[]) => void): unknown };
  return new Promise((ok, fail) => {
    const done = (err?: unknown): void => {
      s.off('drain', onDrain);
      s.off('error', onError);
      s.off('close', onClose);
      if (err === undefined) ok();
      else fail(err);
    };
    const onDrain = (): void => done();
    const onError = (err: unknown): void => done(err);
    const onClose = (): void => done(new Error('closed'));
    s.once('drain', onDrain);
    s.once('error', onError);
    s.once('close', onClose);
  });
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function reason(err: unknown): string {
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message;
  return String(err);
}
