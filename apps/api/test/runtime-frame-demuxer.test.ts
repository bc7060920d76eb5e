import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FrameDemuxer } from '../src/runtime/frame-demuxer.js';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

async function collect(stream: PassThrough): Promise<string> {
  let text = '';
  for await (const c of stream) text += (c as Buffer).toString();
  return text;
}

describe('FrameDemuxer', () => {
  const raw = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(1, ''), frame(1, 'out two\n'), frame(2, 'x'.repeat(1000))]);

  it('splits frames however the bytes arrive (every cut, including inside a header)', async () => {
    for (const size of [1, 3, 7, 8, 9, 13, raw.length]) {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const chunks: Buffer[] = [];
      for (let at = 0; at < raw.length; at += size) chunks.push(raw.subarray(at, at + size));
      Readable.from(chunks).pipe(new FrameDemuxer(stdout, stderr));
      const [out, err] = await Promise.all([collect(stdout), collect(stderr)]);
      expect(out).toBe('out one\nout two\n');
      expect(err).toBe(`err\n${'x'.repeat(1000)}`);
    }
  });

  it('accepts the next chunk only once a full output drained', async () => {
    const stdout = new PassThrough({ highWaterMark: 16 });
    const stderr = new PassThrough();
    const demuxer = new FrameDemuxer(stdout, stderr);
    let accepted = 0;
    demuxer.write(frame(1, 'a'.repeat(64)), () => accepted++);
    await new Promise((r) => setTimeout(r, 20));
    expect(accepted).toBe(0);
    stdout.resume();
    await new Promise((r) => setTimeout(r, 20));
    expect(accepted).toBe(1);
  });
});
