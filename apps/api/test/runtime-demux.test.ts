import { describe, expect, it } from 'vitest';
import { demuxFrames, splitLines } from '../src/runtime/demux.js';
import { toEnvList } from '../src/runtime/env-list.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('demuxFrames', () => {
  it('joins stdout and stderr payloads in arrival order', () => {
    const raw = Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'é')]);
    expect(demuxFrames(raw).toString()).toBe('out\nerr\né');
  });

  it('keeps the part of a frame cut short', () => {
    const raw = Buffer.concat([frame(1, 'whole\n'), frame(1, 'partial').subarray(0, 8 + 4)]);
    expect(demuxFrames(raw).toString()).toBe('whole\npart');
  });
});

describe('splitLines', () => {
  it('drops only the empty string after a final newline', () => {
    expect(splitLines('a\n\nb\n')).toEqual(['a', '', 'b']);
    expect(splitLines('a')).toEqual(['a']);
    expect(splitLines('')).toEqual([]);
  });
});

describe('toEnvList', () => {
  it('keeps values byte for byte', () => {
    expect(toEnvList({ A: '$(id) `x` "q"\nnext', B: '' })).toEqual(['A=$(id) `x` "q"\nnext', 'B=']);
  });

  it('refuses what a process environment cannot hold, without echoing the value', () => {
    expect(() => toEnvList({ 'A=B': 'x' })).toThrow(expect.objectContaining({ code: 'ENV_INVALID' }));
    expect(() => toEnvList({ SECRET: 'hunter2\0' })).toThrow('the value of SECRET contains a NUL byte, which a process environment cannot hold');
  });
});
