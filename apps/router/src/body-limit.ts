import { Transform, type TransformCallback } from 'node:stream';

export class BodyTooLargeError extends Error {
  readonly code = 'BODY_TOO_LARGE';
}

/** Counts a body of unknown length (chunked) and fails the stream past the limit. */
export class BodyLimit extends Transform {
  #seen = 0;
  readonly #limit: number;

  /** `seen`: bytes of the same body already counted elsewhere. */
  constructor(limit: number, seen = 0) {
    super();
    this.#limit = limit;
    this.#seen = seen;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#limit) done(new BodyTooLargeError(`request body over ${this.#limit} bytes`));
    else done(null, chunk);
  }
}
