import type { LogLine } from './types.js';

/**
 * Incremental parser of the engine's log stream with timestamps: frames of
 * an 8-byte header (stream 1 = stdout, 2 = stderr; big-endian length) and a
 * payload, whose lines each start with "<RFC 3339 time> ". Lines come out in
 * the order the engine wrote them; a partial line waits for its end.
 */
export class LogFrameParser {
  #pending: Buffer = Buffer.alloc(0);
  /** Bytes of each stream's unfinished line (kept as bytes: a character may be split across messages). */
  readonly #partial: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };

  /** Feeds raw bytes; returns the complete lines they finish. */
  push(chunk: Buffer): LogLine[] {
    this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    const out: LogLine[] = [];
    let at = 0;
    while (at + 8 <= this.#pending.length) {
      const size = this.#pending.readUInt32BE(at + 4);
      if (at + 8 + size > this.#pending.length) break;
      const stream = this.#pending[at] === 2 ? 'stderr' : 'stdout';
      let payload = this.#pending.subarray(at + 8, at + 8 + size);
      // The engine splits a line over 16 KiB into several messages, each with
      // its own timestamp: the line keeps the first one.
      if (this.#partial[stream].length > 0) payload = dropTimestamp(payload);
      let from = 0;
      for (let nl = payload.indexOf(0x0a); nl >= 0; nl = payload.indexOf(0x0a, from)) {
        const line = Buffer.concat([...this.#partial[stream], payload.subarray(from, nl)]);
        this.#partial[stream] = [];
        out.push(parseLine(line.toString('utf8'), stream));
        from = nl + 1;
      }
      if (from < payload.length) this.#partial[stream].push(Buffer.from(payload.subarray(from)));
      at += 8 + size;
    }
    this.#pending = Buffer.from(this.#pending.subarray(at));
    return out;
  }

  /** Lines left without a final newline when the stream ends. */
  end(): LogLine[] {
    const out: LogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.#partial[stream].length > 0) out.push(parseLine(Buffer.concat(this.#partial[stream]).toString('utf8'), stream));
      this.#partial[stream] = [];
    }
    return out;
  }
}

/** `2026-11-29T10:00:00.123456789Z rest` → `rest`; anything else unchanged. */
function dropTimestamp(payload: Buffer): Buffer {
  if (payload.length < 21 || payload[4] !== 0x2d || payload[10] !== 0x54) return payload;
  const space = payload.indexOf(0x20);
  return space > 19 && space < 40 ? payload.subarray(space + 1) : payload;
}

function parseLine(raw: string, stream: 'stdout' | 'stderr'): LogLine {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const space = line.indexOf(' ');
  // Timestamps look like 2026-11-29T10:00:00.123456789Z.
  if (space > 19 && line[4] === '-' && line[10] === 'T') return { time: line.slice(0, space), stream, text: line.slice(space + 1) };
  // No timestamp (never seen from the engine): now, with the engine's nine fraction digits.
  return { time: new Date().toISOString().replace(/Z$/, '000000Z'), stream, text: line };
}

/** The engine's `since` wants seconds; a string keeps the fraction. */
export function sinceParam(since: Date): string {
  return (since.getTime() / 1000).toFixed(3);
}

/** The engine's log query of LogOptions: both streams, with times; tail and since when given. */
export function logParams(opts: { tail?: number; since?: Date }): { stdout: true; stderr: true; timestamps: true; tail?: number; since?: string } {
  return {
    stdout: true,
    stderr: true,
    timestamps: true,
    ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
    ...(opts.since !== undefined ? { since: sinceParam(opts.since) } : {}),
  };
}
