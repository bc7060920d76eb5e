import { PaasError } from '@paas/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toHttpError } from '../http-errors.js';

/** A comment line this often keeps proxies and the browser from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

/** The client asked for server-sent events (a browser's EventSource does). */
export function wantsEventStream(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/event-stream');
}

export type SendEvent = (event: string, data: unknown) => Promise<void>;

/**
 * Answers with server-sent events: `work` sends them until the client goes
 * away (its signal aborts). A failure is sent as an `error` event carrying
 * the ErrorBody, then the stream ends.
 */
export async function eventStream(reply: FastifyReply, request: FastifyRequest, work: (send: SendEvent, signal: AbortSignal) => Promise<void>): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-store', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  const abort = new AbortController();
  const gone = (): void => abort.abort();
  request.raw.on('close', gone);
  res.on('close', gone);
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const send: SendEvent = async (event, data) => {
    if (res.destroyed || abort.signal.aborted) return;
    // A slow reader holds the next event back instead of growing a queue.
    if (!res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)) await new Promise<void>((r) => res.once('drain', r).once('close', r));
  };
  try {
    await work(send, abort.signal);
  } catch (err) {
    const { status, body } = toHttpError(err);
    if (status >= 500 && !(err instanceof PaasError)) request.log.error({ err }, 'event stream failed');
    await send('error', body);
  } finally {
    clearInterval(heartbeat);
    request.raw.off('close', gone);
    if (!res.destroyed) res.end();
  }
}
