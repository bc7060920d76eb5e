import { createHash } from 'node:crypto';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Resources, deadPort, putTable, sleep, startBackend, startTestRouter, table, tempDir, type Backend } from './helpers.js';

const res = new Resources();
afterEach(() => res.cleanup());

function pattern(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7) % 251;
  return b;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A raw client socket that collects what it receives; `reply` resolves when the router closes it. */
function rawClient(port: number): { socket: Socket; received: () => Buffer; reply: Promise<Buffer> } {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const reply = new Promise<Buffer>((resolve) => socket.on('close', () => resolve(Buffer.concat(chunks))));
  res.add(() => {
    socket.destroy();
  });
  return { socket, received: () => Buffer.concat(chunks), reply };
}

/** An app that hashes each request body it is sent and answers with its length. */
function recordingApp(): { bodies: { sha: string; length: number }[]; handler: (req: IncomingMessage, r: ServerResponse, b: Backend) => void } {
  const bodies: { sha: string; length: number }[] = [];
  return {
    bodies,
    handler(req, r) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        bodies.push({ sha: sha(body), length: body.length });
        r.end(`got ${body.length}`);
      });
    },
  };
}

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

describe('request body spooling', () => {
  it('sends a 1 MB body trickled over ~3 s only once it is complete, whole, and removes its spool file', async () => {
    let appConnections = 0;
    const rec = recordingApp();
    const app = await startBackend(res, 'app', rec.handler);
    app.server.on('connection', () => (appConnections += 1));
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } }));
    const size = 1024 * 1024;
    const body = pattern(size);
    const client = rawClient(router.handle.port);
    client.socket.write(`POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`);
    const pieces = 30;
    const step = Math.ceil(size / pieces);
    for (let off = 0; off + step < size; off += step) {
      client.socket.write(body.subarray(off, off + step));
      await sleep(100);
    }
    // Everything but the last piece is in: the app has not been asked, the body is in one spool file.
    expect(appConnections).toBe(0);
    expect(app.seen).toEqual([]);
    const files = await readdir(router.spoolDir);
    expect(files).toHaveLength(1);
    expect((await stat(join(router.spoolDir, files[0]!))).mode & 0o777).toBe(0o600);
    client.socket.write(body.subarray(Math.floor((size - 1) / step) * step));
    const reply = (await client.reply).toString();
    expect(reply).toMatch(/^HTTP\/1.1 200 [\s\S]*got 1048576$/);
    expect(rec.bodies).toEqual([{ sha: sha(body), length: size }]);
    expect(app.lastHeaders?.['content-length']).toBe(String(size));
    await expect.poll(() => readdir(router.spoolDir)).toEqual([]);
  });

  it('drops an upload the client aborts midway: no request reaches the app, and the spool file is removed', async () => {
    let appConnections = 0;
    const app = await startBackend(res, 'app');
    app.server.on('connection', () => (appConnections += 1));
    const router = await startTestRouter(res);
    await putTable(router, table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } }));
    const client = rawClient(router.handle.port);
    client.socket.write(`POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: 500000\r\n\r\n`);
    for (let i = 0; i < 5; i++) {
      client.socket.write(Buffer.alloc(50_000, 1));
      await sleep(50);
    }
    await expect.poll(() => readdir(router.spoolDir).then((f) => f.length)).toBe(1);
    client.socket.destroy();
    await expect.poll(() => readdir(router.spoolDir)).toEqual([]);
    await sleep(200);
    expect(appConnections).toBe(0);
    expect(app.seen).toEqual([]);
  });

  it('answers 413 when a chunked body grows past the limit while spooled, and removes the spool file', async () => {
    let appConnections = 0;
    const app = await startBackend(res, 'app');
    app.server.on('connection', () => (appConnections += 1));
    const router = await startTestRouter(res, { maxBodyBytes: 200_000, bodyBufferBytes: 16 * 1024 });
    await putTable(router, table(1, { 'a.test': { targets: [{ id: 'a1', port: app.port }] } }));
    const client = rawClient(router.handle.port);
    client.socket.write('POST /upload HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n');
    const chunk = `c350\r\n${'z'.repeat(50_000)}\r\n`;
    client.socket.write(chunk);
    // Past the memory buffer: spooled.
    await expect.poll(() => readdir(router.spoolDir).then((f) => f.length)).toBe(1);
    for (let i = 0; i < 4 && !client.socket.destroyed; i++) {
      client.socket.write(chunk);
      await sleep(20);
    }
    const reply = (await client.reply).toString();
    expect(reply).toMatch(/^HTTP\/1.1 413 /);
    expect(reply).toContain('BODY_TOO_LARGE');
    await expect.poll(() => readdir(router.spoolDir)).toEqual([]);
    expect(appConnections).toBe(0);
    expect(router.logs.some((l) => l.code === 'BODY_TOO_LARGE' && l.status === 413)).toBe(true);
  });

  it('retries an idempotent PUT with a spooled body on the other target when the first refuses the connection', async () => {
    const rec = recordingApp();
    const good = await startBackend(res, 'good', rec.handler);
    const router = await startTestRouter(res);
    // The dead target is first, so the first pick lands on it.
    await putTable(router, table(1, { 'a.test': { targets: [{ id: 'dead', port: await deadPort() }, { id: 'good', port: good.port }] } }));
    const size = 300_000;
    const body = pattern(size);
    const client = rawClient(router.handle.port);
    client.socket.write(`PUT /file HTTP/1.1\r\nHost: a.test\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`);
    client.socket.write(body);
    const reply = (await client.reply).toString();
    expect(reply).toMatch(/^HTTP\/1.1 200 [\s\S]*got 300000$/);
    expect(good.seen).toEqual(['PUT /file']);
    expect(rec.bodies).toEqual([{ sha: sha(body), length: size }]);
    await expect.poll(() => readdir(router.spoolDir)).toEqual([]);
  });

  it('makes the spool directory (0700) at start and removes it at close, unless it was there already', async () => {
    const base = await tempDir(res);
    const made = join(base, 'made');
    const router = await startTestRouter(res, { spoolDir: made });
    expect((await stat(made)).mode & 0o777).toBe(0o700);
    await router.handle.close();
    await expect(stat(made)).rejects.toThrow(/ENOENT/);
    const existing = join(base, 'existing');
    await mkdir(existing);
    const other = await startTestRouter(res, { spoolDir: existing });
    await other.handle.close();
    expect((await stat(existing)).isDirectory()).toBe(true);
  });
});
