import { describe, expect, it } from 'vitest';
import { LineSplitter, parseLines } from '../src/ndjson.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('LineSplitter', () => {
  it('keeps a line cut between chunks until its newline comes', () => {
    const s = new LineSplitter();
    expect(s.push(bytes('{"type":"log","li'))).toEqual([]);
    expect(s.push(bytes('ne":"a"}\n{"type"'))).toEqual(['{"type":"log","line":"a"}']);
    expect(s.push(bytes(':"done","release":"v2"}\n'))).toEqual(['{"type":"done","release":"v2"}']);
    expect(s.end()).toEqual([]);
  });

  it('gives several lines of one chunk, skipping empty ones and CRs', () => {
    const s = new LineSplitter();
    expect(s.push('a\r\n\nb\nc')).toEqual(['a', 'b']);
    expect(s.end()).toEqual(['c']);
  });

  it('joins a multi-byte character split across chunks', () => {
    const all = bytes('{"line":"héllo ✓"}\n');
    const cut = all.indexOf(0xe2) + 1; // inside the three bytes of ✓
    const s = new LineSplitter();
    expect(s.push(all.subarray(0, cut))).toEqual([]);
    expect(s.push(all.subarray(cut))).toEqual(['{"line":"héllo ✓"}']);
  });

  it('handles one byte at a time', () => {
    const text = '{"a":1}\n{"b":2}\n';
    const s = new LineSplitter();
    const lines = [...bytes(text)].flatMap((b) => s.push(Uint8Array.of(b)));
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });
});

describe('parseLines', () => {
  it('parses objects and skips what is not one', () => {
    expect(parseLines(['{"type":"error","error":{"code":"X","message":"m"}}', 'nope', '3', 'null'])).toEqual([
      { type: 'error', error: { code: 'X', message: 'm' } },
    ]);
  });
});
