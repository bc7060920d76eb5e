import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RouterConfig } from './config.js';
import type { RouterErrorCode } from './errors.js';
import type { Logger } from './log.js';
import type { Route, Routes } from './routes.js';
import type { Target } from './target.js';
import { pickTarget } from './balancer.js';
import { BodyLimit, BodyTooLargeError } from './body-limit.js';
import { responseHeaders, scanRequest } from './headers.js';
import { hostKey } from './host.js';
import { pathOf } from './log.js';
import { sendError } from './respond.js';
import { errorCode, isConnectFailure, isIdempotent, isRetryable } from './upstream-errors.js';

export interface ProxyContext {
  readonly routes: Routes;
  readonly config: Pick<RouterConfig, 'maxBodyBytes'>;
  readonly log: Logger;
}

/** Logs and answers a router error for an http request. */
export function reject(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, code: RouterErrorCode, status: number, host: string, detail?: string, target?: string): void {
  ctx.log({ level: 'error', code, status, host, method: req.method, path: pathOf(req.url), ...(target ? { target } : {}) });
  // After a malformed or oversized request the connection's framing cannot be trusted: close it.
  sendError(res, code, detail, code === 'BODY_TOO_LARGE' || code === 'BAD_REQUEST');
}

/** The request listener: route by Host, pick a target, stream through. */
export function createRequestHandler(ctx: ProxyContext): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = ctx.config.maxBodyBytes;
  return function handleRequest(req, res) {
    const scan = scanRequest(req, false);
    const host = hostKey(scan.host);
    if (host === '') return reject(ctx, req, res, 'BAD_REQUEST', 400, host, 'no usable Host header');
    const url = req.url ?? '';
    if (url.charCodeAt(0) !== 47 /* / */ && !(url === '*' && req.method === 'OPTIONS')) {
      return reject(ctx, req, res, 'BAD_REQUEST', 400, host, 'the request target must be a path');
    }
    const route = ctx.routes.lookup(host);
    if (route === undefined) return reject(ctx, req, res, 'ROUTE_NOT_FOUND', 404, host, host);

    let body: Readable | null = null;
    // node's parser already refused a request with both, or with a malformed length.
    if (scan.chunked) {
      body = req.pipe(new BodyLimit(limit));
    } else if (scan.contentLength !== undefined) {
      const n = Number(scan.contentLength);
      if (n > limit) return reject(ctx, req, res, 'BODY_TOO_LARGE', 413, host, `over ${limit} bytes`);
      if (n > 0) body = req;
    }

    const target = pickTarget(route, Date.now());
    if (target === null) return reject(ctx, req, res, 'NO_HEALTHY_TARGET', 503, host, host);
    new Exchange(ctx, req, res, route, host, body, scan.headers).send(target);
  };
}

const kExchange = Symbol('exchange');
type TaggedResponse = ServerResponse & { [kExchange]?: Exchange };

function onClientClose(this: TaggedResponse): void {
  this[kExchange]?.clientClosed();
}

function onClientDrain(this: TaggedResponse): void {
  this[kExchange]?.resume();
}

/**
 * One proxied request: an undici dispatch handler writing straight into the
 * node response (no intermediate Readable), with backpressure both ways.
 *
 * It implements undici's raw handler interface (onConnect/onHeaders/onData/
 * onComplete/onError) rather than the onRequestStart/onResponse* one: undici
 * would wrap the latter in an adapter that allocates a controller per request
 * and parses the response headers into an object, which the router only turns
 * back into a header block. The raw Buffers go to writeHead as a flat latin1
 * array instead (byte-exact, duplicates and case kept).
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly #ctx: ProxyContext;
  readonly #req: IncomingMessage;
  readonly #res: TaggedResponse;
  readonly #host: string;
  readonly #body: Readable | null;
  readonly #headers: string[];
  #route: Route;
  #target: Target | null = null;
  #abort: ((err?: Error) => void) | null = null;
  #resume: (() => void) | null = null;
  #attempts = 0;
  #responded = false;
  #done = false;
  #clientGone = false;

  constructor(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, route: Route, host: string, body: Readable | null, headers: string[]) {
    this.#ctx = ctx;
    this.#req = req;
    this.#res = res as TaggedResponse;
    this.#route = route;
    this.#host = host;
    this.#body = body;
    this.#headers = headers;
    this.#res[kExchange] = this;
    res.on('close', onClientClose);
  }

  send(target: Target): void {
    this.#target = target;
    this.#attempts += 1;
    target.acquire();
    const req = this.#req;
    try {
      target.pool.dispatch(
        { path: req.url!, method: req.method as Dispatcher.HttpMethod, headers: this.#headers, body: this.#body },
        this,
      );
    } catch (err) {
      this.onError(err as Error);
    }
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    if (this.#clientGone) abort(new Error('client went away'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 100/103 interim responses are not relayed
    this.#responded = true;
    this.#target!.recordSuccess();
    if (this.#clientGone) return true;
    this.#resume = resume;
    const headers = responseHeaders(rawHeaders);
    const res = this.#res;
    if (statusText) res.writeHead(statusCode, statusText, headers);
    else res.writeHead(statusCode, headers);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#clientGone) return true;
    if (!this.#res.write(chunk)) {
      this.#res.once('drain', onClientDrain);
      return false;
    }
    return true;
  }

  resume(): void {
    this.#resume?.();
  }

  onComplete(): void {
    if (!this.#clientGone) this.#res.end();
    this.#finish();
  }

  onError(err: Error): void {
    const target = this.#target!;
    const code = err instanceof BodyTooLargeError ? 'BODY_TOO_LARGE' : errorCode(err);
    if (isConnectFailure(code)) target.recordConnectFailure(Date.now());
    if (this.#clientGone || this.#done) return this.#finish();
    if (this.#responded) {
      // Mid-body failure: the status line is gone, so cut the connection; the client sees a truncated body.
      this.#log('UPSTREAM_FAILED', 502, target, code);
      this.#res.destroy();
      return this.#finish();
    }
    if (code === 'BODY_TOO_LARGE') {
      this.#finish();
      return reject(this.#ctx, this.#req, this.#res, 'BODY_TOO_LARGE', 413, this.#host, `over ${this.#ctx.config.maxBodyBytes} bytes`);
    }
    if (this.#attempts < 2 && this.#body === null && isRetryable(code) && isIdempotent(this.#req.method ?? '')) {
      // Re-read the table: after a switch the retry should go to the new targets.
      this.#route = this.#ctx.routes.lookup(this.#host) ?? this.#route;
      const next = pickTarget(this.#route, Date.now(), target);
      if (next !== null) {
        target.release();
        this.#abort = null;
        this.#resume = null;
        return this.send(next);
      }
    }
    this.#finish();
    reject(this.#ctx, this.#req, this.#res, 'UPSTREAM_FAILED', 502, this.#host, undefined, `${target.id} (${code})`);
  }

  clientClosed(): void {
    if (this.#done) return;
    this.#clientGone = true;
    this.#abort?.(new Error('client went away'));
  }

  #log(code: RouterErrorCode, status: number, target: Target, detail: string): void {
    const req = this.#req;
    this.#ctx.log({ level: 'error', code, status, host: this.#host, method: req.method, path: pathOf(req.url), target: target.id, message: detail });
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#target!.release();
    this.#res[kExchange] = undefined;
  }
}
