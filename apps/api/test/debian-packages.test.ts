import { describe, expect, it } from 'vitest';
import { demux } from '../src/push/debian-packages.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('demux (the engine log stream of the package-list container)', () => {
  it('joins the frames, a name split across two of them included', () => {
    const raw = Buffer.concat([frame(1, 'curl\nimagemag'), frame(1, 'ick\nlibpq-dev\n')]);
    expect(demux(raw).split('\n').filter(Boolean)).toEqual(['curl', 'imagemagick', 'libpq-dev']);
  });

  it('ignores a truncated header at the end', () => {
    expect(demux(Buffer.concat([frame(1, 'curl\n'), Buffer.from([1, 0, 0])]))).toBe('curl\n');
  });
});
