import { PaasError, RUN_STDERR, RUN_STDIN_CHUNK, type RunServerMessage } from '@paas/core';
import { Writable } from 'node:stream';
import WebSocket from 'ws';

export interface RunIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };
  stdout: NodeJS.WritableStream & { columns?: number; rows?: number };
  stderr: NodeJS.WritableStream;
  /** Raw mode on stdin and resizes from stdout. */
  tty: boolean;
  /** The server said which instance runs the command. */
  onStarted?(m: Extract<RunServerMessage, { type: 'started' }>): void;
}

/** What a shell reports for a writer killed by SIGPIPE (128 + 13). */
const SIGPIPE_STATUS = 141;

/** stdin as binary frames of at most RUN_STDIN_CHUNK bytes; its end as `eof`. Each write waits for the socket. */
function stdinSender(ws: WebSocket): Writable {
  const send = (data: Buffer | string, binary: boolean, callback: (err?: Error | null) => void): void => {
    if (ws.readyState !== WebSocket.OPEN) return callback(new Error('the connection closed'));
    ws.send(data, { binary }, (err) => callback(err ?? null));
  };
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      let at = 0;
      const next = (err?: Error | null): void => {
        if (err || at >= chunk.length) return callback(err ?? null);
        const part = chunk.subarray(at, at + RUN_STDIN_CHUNK);
        at += part.length;
        send(part, true, next);
      };
      next();
    },
    final(callback) {
      send(JSON.stringify({ type: 'eof' }), false, callback);
    },
  });
}

/**
 * The client side of the run protocol (docs/architecture.md): stdin goes
 * out, stdout and stderr come back to our own, and the remote exit status is
 * the result. Output backpressure pauses the socket, so a slow terminal or
 * pipe slows the remote command instead of filling memory.
 */
export function runSession(ws: WebSocket, io: RunIo): Promise<number> {
  return new Promise((resolve, reject) => {
    let exit: number | undefined;
    let failure: PaasError | undefined;
    let blocked = 0;
    let outputGone = false;

    const write = (out: NodeJS.WritableStream, data: Buffer): void => {
      if (out.write(data)) return;
      if (blocked++ === 0) ws.pause();
      out.once('drain', () => {
        if (--blocked === 0) ws.resume();
      });
    };
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        if (data.length > 1) write(data[0] === RUN_STDERR ? io.stderr : io.stdout, data.subarray(1));
        return;
      }
      let m: RunServerMessage;
      try {
        m = JSON.parse(data.toString('utf8')) as RunServerMessage;
      } catch {
        return;
      }
      if (m.type === 'exit' && Number.isInteger(m.code)) exit = m.code;
      else if (m.type === 'error') failure = PaasError.fromBody(m.error);
      else if (m.type === 'started') io.onStarted?.(m);
    });

    // Our reader went away (`paas run … | head`): stop the remote command, as a pipe's SIGPIPE would.
    const onOutputError = (): void => {
      outputGone = true;
      ws.terminate();
    };
    io.stdout.on('error', onOutputError);
    io.stderr.on('error', onOutputError);

    const onResize = (): void => {
      if (ws.readyState === WebSocket.OPEN && io.stdout.columns && io.stdout.rows) {
        ws.send(JSON.stringify({ type: 'resize', cols: io.stdout.columns, rows: io.stdout.rows }));
      }
    };
    if (io.tty) {
      io.stdin.setRawMode?.(true);
      io.stdout.on('resize', onResize);
    }
    const sender = stdinSender(ws);
    sender.on('error', () => undefined);
    io.stdin.pipe(sender);

    ws.on('close', (code) => {
      io.stdin.unpipe(sender);
      if (io.tty) {
        io.stdin.setRawMode?.(false);
        io.stdout.off('resize', onResize);
      }
      // Nothing more to send: stop reading, so that this process can end.
      io.stdin.pause();
      (io.stdin as { destroy?: () => void }).destroy?.();
      if (failure) return reject(failure);
      if (exit !== undefined) return resolve(exit);
      if (outputGone) return resolve(SIGPIPE_STATUS);
      if (code === 1009) {
        return reject(new PaasError('BODY_TOO_LARGE', 'the API closed the session: a frame was over its size limit (1009)'));
      }
      reject(new PaasError('API_UNREACHABLE', `the connection to the API was lost before the command ended (close code ${code})`, {
        hint: 'the command was stopped on the server; run it again once the API answers',
      }));
    });
    ws.resume(); // openSocket() left it paused until every listener was attached
  });
}
