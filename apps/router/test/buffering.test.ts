import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Resources, putTable, sleep, startBackend, startTestRouter, table } from './helpers.js';

const res = new Resources();
afterEach(() => res.cleanup());

function pattern(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7) % 251;
  return b;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('response buffering', () => {
  const size = 10 * 1024 * 1024;
  const body = pattern(size);

  /** Starts a GET of 10 MB that the client reads at 64 KB per 100 ms; resolves when the app's response finished, or null after 2 s. */
  async function slowRead(responseBufferBytes: number) {
    let finishedAt = 0;
    const app = await startBackend(res, 'app', (req, r) => {
      req.resume();
      r.on('finish', () => (finishedAt = Date.now()));
      r.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      r.end(body);
    });
    const router = await startTestRouter(res, { responseBufferBytes });
    await putTable(router, table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } }));
    const socket = connect(router.handle.port, '127.0.0.1');
    socket.on('error', () => undefined);
    res.add(() => {
      socket.destroy();
    });
    socket.pause();
    const chunks: Buffer[] = [];
    let got = 0;
    const drip = setInterval(() => {
      let n = 0;
      for (let c: Buffer | null; n < 64 * 1024 && (c = socket.read() as Buffer | null) !== null; ) {
        chunks.push(c);
        n += c.length;
      }
      got += n;
    }, 100);
    res.add(() => clearInterval(drip));
    const started = Date.now();
    socket.write('GET /big HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n');
    while (finishedAt === 0 && Date.now() - started < 2_000) await sleep(20);
    return {
      finishedMs: finishedAt === 0 ? null : finishedAt - started,
      clientGot: got,
      /** Reads the rest at full speed and returns the whole reply's body. */
      async rest(): Promise<Buffer> {
        clearInterval(drip);
        const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.resume();
        await closed;
        const all = Buffer.concat(chunks);
        const head = all.indexOf('\r\n\r\n');
        expect(all.subarray(0, head).toString()).toMatch(/^HTTP\/1.1 200 /);
        return all.subarray(head + 4);
      },
    };
  }

  it('reads a 10 MB response from the app at full speed while the client reads it slowly, and the client gets every byte', async () => {
    const run = await slowRead(16 * 1024 * 1024);
    expect(run.finishedMs).not.toBeNull();
    expect(run.finishedMs!).toBeLessThan(2_000);
    // The client is far from done when the app is.
    expect(run.clientGot).toBeLessThan(size / 2);
    const got = await run.rest();
    expect(got.length).toBe(size);
    expect(sha(got)).toBe(sha(body));
  });

  it('with PAAS_ROUTER_RESPONSE_BUFFER_KB=0 the app is held at the slow client\'s pace', async () => {
    const run = await slowRead(0);
    expect(run.finishedMs).toBeNull();
    const got = await run.rest();
    expect(sha(got)).toBe(sha(body));
  });
});
