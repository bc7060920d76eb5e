import { Writable, type PassThrough } from 'node:stream';

/**
 * The engine's multiplexed stream (8-byte header: stream type, 3 zero bytes,
 * big-endian length; then the payload) split into stdout and stderr as a
 * Writable, so that `socket.pipe(demuxer)` carries backpressure: a frame is
 * accepted only once the output it went to has room (style.md 14).
 * dockerode's demuxStream writes without waiting, so a slow reader made the
 * API buffer a command's whole output.
 */
export class FrameDemuxer extends Writable {
  private header = Buffer.alloc(0);
  private remaining = 0;
  private target: PassThrough | null = null;

  constructor(
    private readonly stdout: PassThrough,
    private readonly stderr: PassThrough,
  ) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let at = 0;
    const full = new Set<PassThrough>();
    while (at < chunk.length) {
      if (this.remaining === 0) {
        const need = 8 - this.header.length;
        this.header = Buffer.concat([this.header, chunk.subarray(at, at + need)]);
        at += Math.min(need, chunk.length - at);
        if (this.header.length < 8) break;
        // 2 is stderr; 0 (stdin echo) and 1 go to stdout.
        this.target = this.header[0] === 2 ? this.stderr : this.stdout;
        this.remaining = this.header.readUInt32BE(4);
        this.header = Buffer.alloc(0);
        continue;
      }
      const payload = chunk.subarray(at, at + this.remaining);
      at += payload.length;
      this.remaining -= payload.length;
      const out = this.target as PassThrough;
      if (!out.write(payload)) full.add(out);
    }
    if (full.size === 0) callback();
    else void Promise.all([...full].map(drained)).then(() => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.stdout.end();
    this.stderr.end();
    callback();
  }
}

/** Resolves once the stream has room again, or is gone (nobody reads it any more). */
function drained(stream: PassThrough): Promise<void> {
  if (stream.destroyed || !stream.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
