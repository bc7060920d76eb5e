import websocket from '@fastify/websocket';
import { PaasError, RUN_STDERR, RUN_STDOUT } from '@paas/core';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bridgeRun } from '../src/routes/run-bridge.js';
import { WS_MAX_PAYLOAD } from '../src/routes/ws-guard.js';
import type { ProcessSession } from '../src/runtime/types.js';

/** A process that the test plays by hand: what it was sent, and a way to end it. */
function fakeProcess(opts: { readStdin?: boolean } = {}) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let exit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  const seen = { input: [] as Buffer[], stdinEnded: false, resizes: [] as [number, number][], killed: false };
  const read = (): void => void stdin.on('data', (c: Buffer) => seen.input.push(c));
  if (opts.readStdin !== false) read();
  stdin.on('end', () => (seen.stdinEnded = true));
  const session: ProcessSession = {
    stdin,
    stdout,
    stderr,
    resize: async (cols, rows) => void seen.resizes.push([cols, rows]),
    wait: () => exited,
    kill: async () => {
      seen.killed = true;
      stdout.end();
      stderr.end();
      exit(137);
    },
  };
  const finish = (code: number): void => {
    stdout.end();
    stderr.end();
    exit(code);
  };
  return { session, seen, finish, stdout, stderr, read };
}

let app: FastifyInstance | undefined;
/** The server's side of the last socket. */
let serverSide: WebSocket | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A server with the API's WebSocket settings and one route bridged to `start`. */
async function serveBridge(start: () => Promise<ProcessSession>, heartbeatMs?: number): Promise<string> {
  app = Fastify();
  await app.register(websocket, { options: { maxPayload: WS_MAX_PAYLOAD } });
  app.get('/run', { websocket: true }, (socket) => bridgeRun((serverSide = socket), { start, started: { type: 'started', instance: 'www.1', oneOff: false }, ...(heartbeatMs ? { heartbeatMs } : {}) }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/run`;
}

interface Received {
  frames: Buffer[];
  controls: { type: string; [k: string]: unknown }[];
  order: string[];
  closed: Promise<number>;
}

async function open(url: string): Promise<{ ws: WebSocket; got: Received }> {
  const ws = new WebSocket(url);
  const got: Received = { frames: [], controls: [], order: [], closed: new Promise((resolve) => ws.once('close', (code) => resolve(code))) };
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) {
      got.frames.push(data);
      got.order.push(`frame ${data[0]}`);
    } else {
      const m = JSON.parse(data.toString()) as { type: string };
      got.controls.push(m);
      got.order.push(m.type);
    }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, got };
}

const text = (frames: Buffer[], stream: number): string =>
  Buffer.concat(frames.filter((f) => f[0] === stream).map((f) => f.subarray(1))).toString();

describe('bridgeRun', () => {
  it('passes stdin, eof and resizes in; all output out before the exit status; then closes normally', async () => {
    const p = fakeProcess();
    const { ws, got } = await open(await serveBridge(async () => p.session));
    ws.send(Buffer.from('hello '), { binary: true });
    ws.send(Buffer.from('world'), { binary: true });
    ws.send(JSON.stringify({ type: 'resize', cols: 120, rows: 40 }));
    ws.send(JSON.stringify({ type: 'eof' }));
    await expect.poll(() => p.seen.stdinEnded).toBe(true);
    expect(Buffer.concat(p.seen.input).toString()).toBe('hello world');
    expect(p.seen.resizes).toEqual([[120, 40]]);
    p.stdout.write('out 1\n');
    p.stderr.write('err 1\n');
    p.stdout.write('out 2\n');
    p.finish(3);
    expect(await got.closed).toBe(1000);
    expect(text(got.frames, RUN_STDOUT)).toBe('out 1\nout 2\n');
    expect(text(got.frames, RUN_STDERR)).toBe('err 1\n');
    expect(got.controls).toEqual([{ type: 'started', instance: 'www.1', oneOff: false }, { type: 'exit', code: 3 }]);
    expect(got.order.at(-1)).toBe('exit');
    expect(p.seen.killed).toBe(false);
  });

  it('stdin that filled up before its eof still ends the session at once (the socket is read again for the close)', async () => {
    const p = fakeProcess({ readStdin: false });
    const { ws, got } = await open(await serveBridge(async () => p.session));
    for (let i = 0; i < 8; i++) ws.send(Buffer.alloc(32 * 1024, i), { binary: true });
    ws.send(JSON.stringify({ type: 'eof' }));
    await new Promise((r) => setTimeout(r, 200));
    p.read();
    await expect.poll(() => p.seen.stdinEnded).toBe(true);
    expect(p.seen.input.reduce((n, b) => n + b.length, 0)).toBe(8 * 32 * 1024);
    expect(serverSide?.isPaused).toBe(false);
    const t0 = Date.now();
    p.finish(0);
    expect(await got.closed).toBe(1000);
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it('a process that exits without reading its stdin ends the session at once', async () => {
    const p = fakeProcess({ readStdin: false });
    const { ws, got } = await open(await serveBridge(async () => p.session));
    for (let i = 0; i < 16; i++) ws.send(Buffer.alloc(32 * 1024, i), { binary: true });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    p.finish(0);
    expect(await got.closed).toBe(1000);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(got.controls.at(-1)).toEqual({ type: 'exit', code: 0 });
  });

  it('a client that closes first kills the process', async () => {
    const p = fakeProcess();
    const { ws, got } = await open(await serveBridge(async () => p.session));
    await expect.poll(() => got.controls.length).toBe(1);
    ws.close();
    await expect.poll(() => p.seen.killed).toBe(true);
  });

  it('a client that stops answering pings is dropped and its process killed', async () => {
    const p = fakeProcess();
    const { ws, got } = await open(await serveBridge(async () => p.session, 100));
    await expect.poll(() => got.controls.length).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    expect(p.seen.killed).toBe(false); // answering pings: kept
    ws.pause(); // as a vanished client: nothing is read, no pong goes back
    await expect.poll(() => p.seen.killed, { timeout: 5_000 }).toBe(true);
  });

  it('a client that is only slow to read its output is kept', async () => {
    const p = fakeProcess();
    const { ws, got } = await open(await serveBridge(async () => p.session, 100));
    await expect.poll(() => got.controls.length).toBe(1);
    ws.pause();
    // More output than the sockets hold, so the bridge is waiting for the client.
    const chunk = Buffer.alloc(64 * 1024, 1);
    for (let i = 0; i < 512; i++) if (!p.stdout.write(chunk)) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 800));
    expect(p.seen.killed).toBe(false);
    ws.resume();
    p.finish(0);
    expect(await got.closed).toBe(1000);
  });

  it('a client whose stdin the process reads slowly is kept', async () => {
    const p = fakeProcess({ readStdin: false });
    const { ws, got } = await open(await serveBridge(async () => p.session, 100));
    await expect.poll(() => got.controls.length).toBe(1);
    for (let i = 0; i < 64; i++) ws.send(Buffer.alloc(32 * 1024, i), { binary: true });
    await new Promise((r) => setTimeout(r, 800));
    expect(p.seen.killed).toBe(false);
    p.read();
    await expect.poll(() => p.seen.input.reduce((n, b) => n + b.length, 0)).toBe(64 * 32 * 1024);
    p.finish(0);
    expect(await got.closed).toBe(1000);
  });

  it('a frame over the limit closes with 1009 and kills the process', async () => {
    const p = fakeProcess();
    const { ws, got } = await open(await serveBridge(async () => p.session));
    ws.send(Buffer.alloc(WS_MAX_PAYLOAD), { binary: true });
    await expect.poll(() => p.seen.input.reduce((n, b) => n + b.length, 0)).toBe(WS_MAX_PAYLOAD);
    ws.send(Buffer.alloc(WS_MAX_PAYLOAD + 1), { binary: true });
    expect(await got.closed).toBe(1009);
    await expect.poll(() => p.seen.killed).toBe(true);
  });

  it('a text frame outside the protocol is refused with 1008 and kills the process', async () => {
    const p = fakeProcess();
    const { ws, got } = await open(await serveBridge(async () => p.session));
    ws.send('{"type":"kill"}');
    expect(await got.closed).toBe(1008);
    expect(got.controls.at(-1)).toMatchObject({ type: 'error', error: { code: 'BAD_REQUEST' } });
    await expect.poll(() => p.seen.killed).toBe(true);
  });

  it('a process that cannot start is an error message with its code, then 1011', async () => {
    const url = await serveBridge(async () => {
      throw new PaasError('ENGINE_UNAVAILABLE', 'the Docker Engine does not answer (ECONNREFUSED)');
    });
    const { got } = await open(url);
    expect(await got.closed).toBe(1011);
    expect(got.controls).toEqual([{ type: 'error', error: { code: 'ENGINE_UNAVAILABLE', message: 'the Docker Engine does not answer (ECONNREFUSED)' } }]);
  });

  it('an unexpected failure says nothing of its details', async () => {
    const url = await serveBridge(async () => {
      throw new Error('secret detail');
    });
    const { got } = await open(url);
    expect(await got.closed).toBe(1011);
    expect(JSON.stringify(got.controls)).not.toContain('secret');
  });

  it('a client that does not read holds the process output back', async () => {
    const p = fakeProcess();
    const { ws, got } = await open(await serveBridge(async () => p.session));
    await expect.poll(() => got.controls.length).toBe(1);
    ws.pause();
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    let accepted = 0;
    // Writes as a process does: it blocks while its pipe is full.
    const pump = (async () => {
      while (accepted < total) {
        if (!p.stdout.write(chunk)) await new Promise((r) => p.stdout.once('drain', r));
        accepted += chunk.length;
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    // Only what the socket buffers hold on the way.
    expect(accepted).toBeLessThan(24 * 1024 * 1024);
    ws.resume();
    await pump;
    p.finish(0);
    expect(await got.closed).toBe(1000);
    expect(got.frames.reduce((n, f) => n + f.length - 1, 0)).toBe(total);
  });
});
