import { describe, expect, it } from 'vitest';
import { LogFrameParser, sinceParam } from '../src/runtime/log-frames.js';

// The engine's log stream with timestamps: 8-byte frame headers, one message
// per frame, each message starting with its RFC 3339 time.

const T1 = '2026-11-29T10:00:00.100000000Z';
const T2 = '2026-11-29T10:00:00.200000000Z';
const T3 = '2026-11-29T10:00:00.300000000Z';

function frame(stream: 1 | 2, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('LogFrameParser', () => {
  it('reads lines with their time and stream, across chunk boundaries', () => {
    const raw = Buffer.concat([frame(1, `${T1} hello\n`), frame(2, `${T2} oops\r\n`), frame(1, `${T3} bye\n`)]);
    const parser = new LogFrameParser();
    const lines = [];
    // Byte by byte: headers and payloads split anywhere.
    for (let i = 0; i < raw.length; i++) lines.push(...parser.push(raw.subarray(i, i + 1)));
    lines.push(...parser.end());
    expect(lines).toEqual([
      { time: T1, stream: 'stdout', text: 'hello' },
      { time: T2, stream: 'stderr', text: 'oops' },
      { time: T3, stream: 'stdout', text: 'bye' },
    ]);
  });

  it('joins a long line the engine split into messages, keeping its first time only', () => {
    const parser = new LogFrameParser();
    const lines = [
      ...parser.push(frame(1, `${T1} ${'a'.repeat(16_384)}`)),
      ...parser.push(frame(2, `${T2} meanwhile on stderr\n`)),
      ...parser.push(frame(1, `${T2} ${'b'.repeat(100)}`)),
      ...parser.push(frame(1, `${T3} end\n`)),
    ];
    expect(lines.map((l) => [l.time, l.stream, l.text.length])).toEqual([
      [T2, 'stderr', 'meanwhile on stderr'.length],
      [T1, 'stdout', 16_384 + 100 + 3],
    ]);
    expect(lines[1]?.text.endsWith(`${'b'.repeat(100)}end`)).toBe(true);
  });

  it('keeps a character split between two messages whole', () => {
    const snowman = Buffer.from('☃'); // 3 bytes
    const parser = new LogFrameParser();
    const lines = [
      ...parser.push(frame(1, Buffer.concat([Buffer.from(`${T1} x`), snowman.subarray(0, 1)]))),
      ...parser.push(frame(1, Buffer.concat([Buffer.from(`${T2} `), snowman.subarray(1), Buffer.from('y\n')]))),
    ];
    expect(lines).toEqual([{ time: T1, stream: 'stdout', text: 'x☃y' }]);
  });

  it('gives a last line without a newline at the end, and several lines of one message each', () => {
    const parser = new LogFrameParser();
    const lines = [...parser.push(frame(1, `${T1} one\n${T1} two\n`)), ...parser.push(frame(1, `${T2} three`)), ...parser.end()];
    expect(lines.map((l) => l.text)).toEqual(['one', 'two', 'three']);
  });

  it('sinceParam keeps milliseconds', () => {
    expect(sinceParam(new Date('2026-11-29T10:00:00.123Z'))).toBe('1795946400.123');
  });
});
