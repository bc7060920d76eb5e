import type { Sink } from './output.js';

/** What StreamSink needs of process.stdout / process.stderr. */
export interface WritableLike {
  write(text: string): boolean;
  on(event: 'error', listener: (err: Error) => void): unknown;
  isTTY?: boolean | undefined;
}

/**
 * A Sink over a process stream. When the reader goes away (`paas apps |
 * head -1`), writes fail with EPIPE: that only means nobody wants the rest,
 * so later writes are dropped and no error is raised. The command itself
 * runs on, and its exit code stays its own.
 */
export class StreamSink implements Sink {
  #closed = false;
  readonly raw: WritableLike;

  constructor(private readonly stream: WritableLike) {
    this.raw = stream;
    stream.on('error', (err) => {
      this.#closed = true;
      // Anything else (EIO, EBADF) is a real failure and stays as loud as before.
      if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
    });
  }

  get isTTY(): boolean | undefined {
    return this.stream.isTTY;
  }

  /** True once the reader has gone away. */
  get isClosed(): boolean {
    return this.#closed;
  }

  write(text: string): boolean {
    if (this.#closed) return false;
    return this.stream.write(text);
  }
}
