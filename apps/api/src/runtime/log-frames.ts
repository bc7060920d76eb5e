import type { LogLine } from './types.js';

/**
 * Incremental parser of the engine's log stream with timestamps: frames of
 * an 8-byte header (stream 1 = stdout, 2 = stderr; big-endian length) and a
 * payload, whose lines each start with "<RFC 3339 time> ". Lines come out in
 * the order the engine wrote them; a partial line waits for its end.
 */
export class LogFrameParser {
  #pending: Buffer = Buffer.alloc(0);
  readonly #partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };

  /** Feeds raw bytes; returns the complete lines they finish. */
  push(chunk: Buffer): LogLine[] {
    this.#pending = this.#pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#pending, chunk]);
    const out: LogLine[] = [];
    let at = 0;
    while (at + 8 <= this.#pending.length) {
      const size = this.#pending.readUInt32BE(at + 4);
      if (at + 8 + size > this.#pending.length) break;
      const stream = this.#pending[at] === 2 ? 'stderr' : 'stdout';
      const text = this.#partial[stream] + this.#pending.subarray(at + 8, at + 8 + size).toString('utf8');
      const lines = text.split('\n');
      this.#partial[stream] = lines.pop() ?? '';
      for (const line of lines) out.push(parseLine(line, stream));
      at += 8 + size;
    }
    this.#pending = this.#pending.subarray(at);
    return out;
  }

  /** Lines left without a final newline when the stream ends. */
  end(): LogLine[] {
    const out: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.#partial[stream] !== '') out.push(parseLine(this.#partial[stream], stream));
      this.#partial[stream] = '';
    }
    return out;
  }
}

function parseLine(raw: string, stream: 'stdout' | 'stderr'): LogLine {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const space = line.indexOf(' ');
  // Timestamps look like 2026-11-29T10:00:00.123456789Z.
  if (space > 19 && line[4] === '-' && line[10] === 'T') return { time: line.slice(0, space), stream, text: line.slice(space + 1) };
  return { time: new Date().toISOString(), stream, text: line };
}

/** The engine's `since` wants seconds; a string keeps the fraction. */
export function sinceParam(since: Date): string {
  return (since.getTime() / 1000).toFixed(3);
}
