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

/** `       Receiving  123 MB  45 MB/s`: the total of a download is not known beforehand. */
export function receiveLine(received: number, elapsedMs: number, label = 'Receiving'): string {
  const rate = elapsedMs > 0 ? (received * 1000) / elapsedMs : 0;
  return `${INDENT}${label}  ${formatBytes(received)}  ${formatBytes(Math.round(rate))}/s`;
}

/**
 * Counts the bytes of a download: on a TTY a line redrawn in place at most
 * every 100 ms, off a TTY only one final line.
 */
export class ReceiveProgress {
  private received = 0;
  private lastDraw = 0;
  private drawnWidth = 0;
  private readonly start: number;

  constructor(
    private readonly sink: Sink,
    private readonly now: () => number = Date.now,
  ) {
    this.start = now();
  }

  get bytes(): number {
    return this.received;
  }

  add(n: number): void {
    this.received += n;
    if (this.sink.isTTY === true && this.now() - this.lastDraw >= REDRAW_MS) {
      this.lastDraw = this.now();
      this.draw(receiveLine(this.received, this.lastDraw - this.start), '');
    }
  }

  /** The final line, once every byte arrived. */
  done(): void {
    const elapsed = this.now() - this.start;
    if (this.sink.isTTY === true) this.draw(receiveLine(this.received, elapsed), '\n');
    else this.sink.write(`${INDENT}Received ${formatBytes(this.received)} in ${(elapsed / 1000).toFixed(1)} s (${formatBytes(Math.round(elapsed > 0 ? (this.received * 1000) / elapsed : 0))}/s)\n`);
  }

  /** Ends a drawn line, so that an error starts on a line of its own. */
  abort(): void {
    if (this.sink.isTTY === true && this.drawnWidth > 0) this.sink.write('\n');
    this.drawnWidth = 0;
  }

  private draw(line: string, end: string): void {
    // A shorter line than the last one ("1.0 MB" after "999 KB") must not leave its tail behind.
    this.sink.write(`\r${line.padEnd(this.drawnWidth)}${end}`);
    this.drawnWidth = end === '' ? line.length : 0;
  }
}

/**
 * The build's own output as one line redrawn in place on a TTY (at most
 * every 100 ms), cut to the terminal's width; nothing off a TTY. clear()
 * erases it before any other line is printed.
 */
export class LineProgress {
  private lastDraw = 0;
  private drawnWidth = 0;

  constructor(
    private readonly sink: Sink,
    private readonly now: () => number = Date.now,
  ) {}

  update(text: string): void {
    if (this.sink.isTTY !== true || this.now() - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = this.now();
    const columns = (this.sink.raw as { columns?: number } | undefined)?.columns ?? 80;
    // One line only: a line wider than the terminal would wrap, and \r would not go back far enough.
    const line = `${INDENT}${text.replace(/[\r\n\t]/g, ' ')}`.slice(0, Math.max(10, columns - 1));
    this.sink.write(`\r${line.padEnd(this.drawnWidth)}`);
    this.drawnWidth = line.length;
  }

  clear(): void {
    if (this.drawnWidth === 0) return;
    this.sink.write(`\r${' '.repeat(this.drawnWidth)}\r`);
    this.drawnWidth = 0;
    this.lastDraw = 0;
  }
}
