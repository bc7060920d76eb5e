import { Transform, type TransformCallback } from 'node:stream';
import { formatBytes, INDENT, type Sink } from './output.js';

const WIDTH = 30;
/** Redrawing more often than this only costs terminal time. */
const REDRAW_MS = 100;

/** `       Uploading [#######·······]  45%  1.2 MB / 2.6 MB` */
export function progressLine(sent: number, total: number): string {
  const ratio = total > 0 ? Math.min(1, sent / total) : 1;
  const filled = Math.round(ratio * WIDTH);
  const bar = '#'.repeat(filled) + '.'.repeat(WIDTH - filled);
  const pct = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `${INDENT}Uploading [${bar}] ${pct}  ${formatBytes(sent)} / ${formatBytes(total)}`;
}

/**
 * Counts the bytes passing through and draws a bar on a TTY; off a TTY it
 * writes only one final line, so logs stay readable.
 */
export class UploadProgress extends Transform {
  private sent = 0;
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    private readonly sink: Sink,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.sent += chunk.length;
    if (this.sink.isTTY === true && this.now() - this.lastDraw >= REDRAW_MS) {
      this.lastDraw = this.now();
      this.sink.write(`\r${progressLine(this.sent, this.total)}`);
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.sink.isTTY === true) this.sink.write(`\r${progressLine(this.sent, this.total)}\n`);
    else this.sink.write(`${INDENT}Uploaded ${formatBytes(this.sent)}\n`);
    callback();
  }
}
