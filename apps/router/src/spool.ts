import { randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream, type WriteStream } from 'node:fs';
import { mkdir, open, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Creates the spool directory (0700) if it is missing. The function returned
 * removes it at close, but only if it was created here: a directory the
 * operator named and made stays.
 */
export async function prepareSpoolDir(dir: string): Promise<() => Promise<void>> {
  const created = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (created === undefined) return async () => undefined;
  return () => rm(dir, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * One request body too large for memory, written to a file of its own (0600)
 * while it arrives and sent to the app from that file once complete. The
 * file can be read again, so a failed attempt can be retried. remove() is
 * called in every outcome; it closes what is open and unlinks the file.
 */
export class Spool {
  readonly path: string;
  readonly #out: WriteStream;
  #reader: ReadStream | null = null;
  #removed = false;

  private constructor(path: string, out: WriteStream) {
    this.path = path;
    this.#out = out;
  }

  /** Opens a new spool file in `dir`; a directory removed meanwhile (a tmp cleaner) is made again. */
  static async create(dir: string): Promise<Spool> {
    const path = join(dir, `body-${randomBytes(12).toString('hex')}`);
    let handle;
    try {
      handle = await open(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      handle = await open(path, 'wx', 0o600);
    }
    const out = handle.createWriteStream();
    // Reported by finish(); a write after a failed one is dropped, not thrown.
    out.on('error', () => undefined);
    return new Spool(path, out);
  }

  /** false: the file is behind; wait for onDrain before writing more. */
  write(chunk: Buffer): boolean {
    return this.#out.write(chunk);
  }

  onDrain(resume: () => void): void {
    this.#out.once('drain', resume);
  }

  /** Flushes the file; `done` gets the write error, if any. */
  finish(done: (err: Error | null) => void): void {
    this.#out.end((err?: Error | null) => done(err ?? null));
  }

  /** A new stream over the whole file, for one attempt at sending it. */
  read(): ReadStream {
    this.#reader?.destroy();
    this.#reader = createReadStream(this.path);
    return this.#reader;
  }

  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    this.#out.destroy();
    this.#reader?.destroy();
    unlink(this.path).catch(() => undefined);
  }
}
