import { PaasError, RUN_STDERR, RUN_STDOUT, parseRunClientMessage, type RunServerMessage } from '@paas/core';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RawData, WebSocket } from 'ws';
import { toHttpError } from '../http-errors.js';
import type { ProcessSession } from '../runtime/types.js';

/** Close codes: 1000 after `exit`, 1011 after `error`, 1008 for a message outside the protocol. */
const NORMAL = 1000;
const POLICY = 1008;
const FAILED = 1011;

/**
 * The client's binary frames as a Readable: when the process's stdin is
 * full, the socket is paused, so a client that sends faster than the
 * process reads is slowed by TCP (style.md 14).
 */
class SocketInput extends Readable {
  constructor(private readonly ws: WebSocket) {
    super();
  }

  override _read(): void {
    this.ws.resume();
  }

  /** Bytes after the end (or once the process is gone) are dropped. */
  offer(data: Buffer): void {
    if (!this.readableEnded && !this.destroyed && !this.push(data)) this.ws.pause();
  }
}

/** Each chunk becomes one binary frame behind a stream byte; the next is taken once the socket took this one. */
/** Output frames the socket has not handed to the kernel yet, and whether any went out since the last heartbeat. */
interface Sending {
  count: number;
  since: boolean;
}

function frameWriter(ws: WebSocket, stream: number, sending: Sending): Writable {
  const prefix = Buffer.of(stream);
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (ws.readyState !== ws.OPEN) return callback(new Error('the client went away'));
      sending.count++;
      sending.since = true;
      ws.send(Buffer.concat([prefix, chunk]), { binary: true }, (err) => {
        sending.count--;
        callback(err ?? null);
      });
    },
  });
}

function toBuffer(data: RawData): Buffer {
  return Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

export interface BridgeHooks {
  /** Starts the process; called once the socket is open. */
  start(): Promise<ProcessSession>;
  started: Extract<RunServerMessage, { type: 'started' }>;
  /** Unexpected failures (not PaasErrors), for the API log. */
  log?(err: unknown): void;
  /** A client that answers no ping for this long is gone (default 30 s). */
  heartbeatMs?: number;
}

/**
 * Bridges a WebSocket and a process (docs/architecture.md "The run
 * protocol"): binary frames are stdin, `eof` ends it, `resize` resizes the
 * TTY; stdout and stderr go out as prefixed binary frames, all of them
 * before the final `exit`. A socket that closes first kills the process (and
 * so removes a one-off container).
 */
export async function bridgeRun(ws: WebSocket, hooks: BridgeHooks): Promise<void> {
  const input = new SocketInput(ws);
  let session: ProcessSession | undefined;
  let size: { cols: number; rows: number } | undefined;
  let done = false;
  let closed = false;

  const send = (m: RunServerMessage): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  /**
   * Sends the last message and closes. Stdin is no longer wanted, and the
   * socket is read again: paused for a full stdin, it would never see the
   * client's close frame, and the close would wait for ws's 30 s timeout.
   */
  const finish = (m: RunServerMessage, code: number): void => {
    input.destroy();
    ws.resume();
    send(m);
    ws.close(code);
  };
  const fail = (err: unknown, code = FAILED): void => {
    const { status, body } = toHttpError(err);
    if (status >= 500 && !(err instanceof PaasError)) hooks.log?.(err);
    finish({ type: 'error', error: body }, code);
  };

  /*
   * A client that vanished without closing (a dropped network) would keep
   * its process forever: one that answers no ping in a whole interval is
   * dropped. Not while output waits for it, though: a client that is slow
   * to read (`paas run … | less`) cannot answer either, and the kernel's
   * retransmission timeout ends a connection to a peer that is really gone.
   * Nor while the socket is paused for a full stdin: its pongs wait unread.
   * Output sent since the last beat counts as waiting: the kernel may have
   * taken it before the client's buffers filled, and the client, not
   * reading, has not seen the ping in front of it either.
   */
  const sending: Sending = { count: 0, since: false };
  let alive = true;
  ws.on('pong', () => (alive = true));
  const heartbeat = setInterval(() => {
    const waiting = sending.count > 0 || sending.since || ws.bufferedAmount > 0 || ws.isPaused;
    sending.since = false;
    if (waiting) return void (alive = true);
    if (!alive) return ws.terminate();
    alive = false;
    ws.ping();
  }, hooks.heartbeatMs ?? 30_000);

  ws.on('close', () => {
    clearInterval(heartbeat);
    closed = true;
    input.destroy();
    if (!done) void session?.kill().catch(() => undefined);
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary) return input.offer(toBuffer(data));
    const m = parseRunClientMessage(toBuffer(data).toString('utf8'));
    if (m === null) return fail(new PaasError('BAD_REQUEST', 'a text frame must be {"type":"resize","cols":N,"rows":N} or {"type":"eof"}'), POLICY);
    if (m.type === 'eof') {
      if (!input.readableEnded) input.push(null);
      // An ended Readable is never read again, so nothing else would resume a socket paused for it.
      ws.resume();
      return;
    }
    size = { cols: m.cols, rows: m.rows };
    void session?.resize(m.cols, m.rows).catch(() => undefined);
  });

  try {
    session = await hooks.start();
  } catch (err) {
    return fail(err);
  }
  if (closed) {
    await session.kill().catch(() => undefined);
    return;
  }
  send(hooks.started);
  // A resize that came while the process was starting.
  if (size) void session.resize(size.cols, size.rows).catch(() => undefined);

  // Ends with the client's eof; a process that exits first leaves it to the close.
  void pipeline(input, session.stdin).catch(() => undefined);
  try {
    await Promise.all([
      pipeline(session.stdout, frameWriter(ws, RUN_STDOUT, sending)),
      session.stderr ? pipeline(session.stderr, frameWriter(ws, RUN_STDERR, sending)) : undefined,
    ]);
    const code = await session.wait();
    done = true;
    finish({ type: 'exit', code }, NORMAL);
  } catch (err) {
    // The client went away mid-output: the close handler kills the process.
    if (!closed) fail(err);
  }
}
