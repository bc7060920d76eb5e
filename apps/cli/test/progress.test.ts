import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressLine, ReceiveProgress, receiveLine, UploadProgress } from '../src/progress.js';
import { Capture } from './helpers/capture.js';

async function upload(total: number, sink: Capture, now: () => number): Promise<number> {
  let passed = 0;
  const chunks = Array.from({ length: 4 }, () => Buffer.alloc(total / 4));
  await pipeline(
    Readable.from(chunks),
    new UploadProgress(total, sink, now),
    new Writable({ write: (c: Buffer, _e, cb) => ((passed += c.length), cb()) }),
  );
  return passed;
}

describe('upload progress', () => {
  it('draws a bar with percentage and bytes', () => {
    expect(progressLine(512, 2048)).toBe('       Uploading [########......................]  25%  512 B / 2.0 KB');
    expect(progressLine(0, 0)).toBe(`       Uploading [${'#'.repeat(30)}] 100%  0 B / 0 B`);
  });

  it('redraws in place on a TTY and ends at 100%', async () => {
    const sink = new Capture(true);
    let t = 0;
    const passed = await upload(4096, sink, () => (t += 1000));
    expect(passed).toBe(4096);
    const frames = sink.text.split('\r').filter((f) => f !== '');
    expect(frames).toHaveLength(5);
    expect(frames[0]).toContain(' 25%  1.0 KB / 4.0 KB');
    expect(frames[4]).toBe(`${progressLine(4096, 4096)}\n`);
  });

  it('writes a single final line off a TTY', async () => {
    const sink = new Capture(false);
    await upload(4096, sink, () => 0);
    expect(sink.text).toBe('       Uploaded 4.0 KB\n');
  });
});

describe('receive progress', () => {
  it('shows bytes and rate, as the total is not known', () => {
    expect(receiveLine(3 * 1024 * 1024, 2000)).toBe('       Receiving  3.0 MB  1.5 MB/s');
  });

  it('redraws at most every 100 ms on a TTY, blanking the tail of a longer line', () => {
    const sink = new Capture(true);
    let t = 0;
    const p = new ReceiveProgress(sink, () => t);
    t = 100;
    p.add(1000 * 1024);
    t = 150;
    p.add(1024); // too soon: not drawn
    t = 1000;
    p.add(23 * 1024);
    p.done();
    const frames = sink.text.split('\r').filter((f) => f !== '');
    expect(frames).toEqual(['       Receiving  1000 KB  9.8 MB/s', '       Receiving  1.0 MB  1.0 MB/s ', '       Receiving  1.0 MB  1.0 MB/s\n']);
  });

  it('writes a single final line off a TTY', () => {
    const sink = new Capture(false);
    let t = 0;
    const p = new ReceiveProgress(sink, () => t);
    p.add(4096);
    t = 2000;
    p.done();
    expect(sink.text).toBe('       Received 4.0 KB in 2.0 s (2.0 KB/s)\n');
  });
});
