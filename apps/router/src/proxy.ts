import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { RouterConfig } from './config.js';
import type { RouterErrorCode } from './errors.js';
import type { Logger } from './log.js';
import type { Route, Routes } from './routes.js';
import type { Target } from './target.js';
import { pickTarget } from './balancer.js';
import { BodyLimit, BodyTooLargeError } from './body-limit.js';
import { responseHeaders, scanRequest, type TrustCheck } from './headers.js';
import { acmePrefix, type Edge } from './edge.js';
import { hostKey } from './host.js';
import { pathOf } from './log.js';
import { sendError } from './respond.js';
import { errorCode, isConnectFailure, isIdempotent, isRetryable } from './upstream-errors.js';

export interface ProxyContext {
  readonly routes: Routes;
  readonly config: Pick<RouterConfig, 'maxBodyBytes' | 'bodyIdleMs' | 'bodyBufferBytes' | 'responseBufferBytes' | 'upstreamHeadersTimeoutMs'>;
  readonly log: Logger;
  /** This listener speaks TLS: X-Forwarded-Proto https, HSTS, no redirect and no ACME answers. */
  readonly secure: boolean;
  readonly trusted: TrustCheck;
  readonly edge: Edge;
}

/** Logs and answers a router error for an http request. */
export function reject(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, code: RouterErrorCode, status: number, host: string, detail?: string, target?: string): void {
  ctx.log({ level: 'error', code, status, host, method: req.method, path: pathOf(req.url), ...(target ? { target } : {}), ...(detail !== undefined && status === 400 ? { message: detail } : {}) });
  // After a malformed, oversized or stalled request the connection's framing cannot be trusted: close it.
  sendError(res, code, detail, code === 'BODY_TOO_LARGE' || code === 'BAD_REQUEST' || code === 'REQUEST_TIMEOUT');
}

/** The request listener: ACME answers, route by Host, redirect, pick a target, stream through. */
export function createRequestHandler(ctx: ProxyContext): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = ctx.config.maxBodyBytes;
  const bufferUpTo = ctx.config.bodyBufferBytes;
  const proto = ctx.secure ? 'https' : 'http';
  return function handleRequest(req, res) {
    const scan = scanRequest(req, false, proto, ctx.trusted);
    const url = req.url ?? '';
    // Before routing and before any redirect: the CA asks for any name on port 80.
    if (!ctx.secure && url.charCodeAt(1) === 46 /* . */ && url.startsWith(acmePrefix)) return answerChallenge(ctx, req, res, url);
    if (scan.hostTwice) return reject(ctx, req, res, 'BAD_REQUEST', 400, '', 'two Host headers');
    const host = hostKey(scan.host);
    if (host === '') return reject(ctx, req, res, 'BAD_REQUEST', 400, host, scan.host === '' ? 'no Host header' : 'the Host header is not a name with an optional numeric port');
    if (url.charCodeAt(0) !== 47 /* / */ && !(url === '*' && req.method === 'OPTIONS')) {
      return reject(ctx, req, res, 'BAD_REQUEST', 400, host, 'the request target must be a path');
    }
    const route = ctx.routes.lookup(host);
    if (route === undefined) return reject(ctx, req, res, 'ROUTE_NOT_FOUND', 404, host, host);
    if (route.httpsRedirect && !ctx.secure && ctx.edge.httpsPort !== null) return redirect(ctx, req, res, host, url, scan.chunked || (scan.contentLength !== undefined && scan.contentLength !== '0'));

    if (scan.chunked) {
      // Unknown length: read up to the buffer size, then stream the rest (see collectBody).
      return collectBody(ctx, req, res, host, route, scan.headers, 0, bufferUpTo);
    }
    if (scan.contentLength !== undefined) {
      // node's parser already refused a malformed length, or one together with chunked.
      const n = Number(scan.contentLength);
      if (n > limit) return reject(ctx, req, res, 'BODY_TOO_LARGE', 413, host, `over ${limit} bytes`);
      if (n > 0) return n <= bufferUpTo ? collectBody(ctx, req, res, host, route, scan.headers, n, bufferUpTo) : streamBody(ctx, req, res, host, route, scan.headers, req);
    }
    const target = pickTarget(route, Date.now());
    if (target === null) return reject(ctx, req, res, 'NO_HEALTHY_TARGET', 503, host, host);
    new Exchange(ctx, req, res, route, host, null, scan.headers).send(target);
  };
}

function answerChallenge(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, url: string): void {
  req.resume();
  const q = url.indexOf('?');
  const token = url.slice(acmePrefix.length, q === -1 ? undefined : q);
  const answer = req.method === 'GET' || req.method === 'HEAD' ? ctx.edge.challenges.get(token) : undefined;
  if (answer === undefined) return reject(ctx, req, res, 'NOT_FOUND', 404, hostKey(req.headers.host), 'no such ACME challenge');
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(answer), 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : answer);
}

function redirect(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, host: string, url: string, hasBody: boolean): void {
  const port = ctx.edge.httpsPort;
  const location = `https://${host}${port === 443 ? '' : `:${port}`}${url}`;
  // 308 keeps the method and body; a body sent here is not read, so the connection cannot be reused.
  res.writeHead(308, { location, 'content-length': 0, 'cache-control': 'no-store', ...(hasBody ? { connection: 'close' } : {}) });
  res.end();
  if (!hasBody) req.resume();
}

/**
 * Why slow clients cannot take an app's connections (reliability 45): a body
 * up to PAAS_ROUTER_BODY_BUFFER_KB is read whole by the router before the
 * upstream request is even opened (nginx's proxy_request_buffering), so a
 * client that trickles its body holds a router socket, never an app
 * connection or an app thread. A larger (or growing chunked) body streams,
 * over connections of its own (Target.uploadPool), so slow uploads cannot
 * fill the pool other requests wait on, and is bounded like every body by
 * the idle timeout below. `expected` is the Content-Length, 0 for chunked.
 */
function collectBody(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, host: string, route: Route, headers: string[], expected: number, bufferUpTo: number): void {
  const limit = ctx.config.maxBodyBytes;
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const stopIdle = watchIdle(ctx, req, res, host, () => {
    settled = true;
  });
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > limit) {
      settled = true;
      cleanup();
      stopIdle();
      return reject(ctx, req, res, 'BODY_TOO_LARGE', 413, host, `over ${limit} bytes`);
    }
    chunks.push(chunk);
    if (expected === 0 && size > bufferUpTo) {
      // A chunked body past the buffer size: hand over what came so far, then the rest as it comes.
      settled = true;
      cleanup();
      const rest = new PassThrough();
      for (const c of chunks) rest.write(c);
      const counted = new BodyLimit(limit, size);
      req.pipe(counted).pipe(rest);
      counted.on('error', (err) => rest.destroy(err));
      streamBody(ctx, req, res, host, route, headers, rest, stopIdle);
    }
  };
  const onEnd = (): void => {
    if (settled) return;
    settled = true;
    cleanup();
    stopIdle();
    // The route may have changed while the body came in.
    const current = ctx.routes.lookup(host) ?? route;
    const target = pickTarget(current, Date.now());
    if (target === null) return reject(ctx, req, res, 'NO_HEALTHY_TARGET', 503, host, host);
    new Exchange(ctx, req, res, current, host, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), headers).send(target);
  };
  const onGone = (): void => {
    settled = true;
    cleanup();
    stopIdle();
  };
  const cleanup = (): void => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onGone);
  };
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('close', onGone);
}

/** A body sent on to the app as it arrives, still cut when it stalls. */
function streamBody(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, host: string, route: Route, headers: string[], body: Readable, stopIdle?: () => void): void {
  const target = pickTarget(route, Date.now());
  if (target === null) {
    stopIdle?.();
    return reject(ctx, req, res, 'NO_HEALTHY_TARGET', 503, host, host);
  }
  const exchange = new Exchange(ctx, req, res, route, host, body, headers);
  if (stopIdle === undefined) watchIdle(ctx, req, res, host, () => exchange.stalled());
  else {
    // Already watched by collectBody: on a stall, abort the upstream request too.
    req.once('timeout', () => exchange.stalled());
  }
  exchange.send(target);
}

/**
 * The body idle timeout (PAAS_ROUTER_BODY_IDLE_MS): node's socket timeout,
 * re-armed by every byte received, so the cost is one timer per request
 * with a body. On silence: 408 if nothing was answered yet, and the
 * connection is closed. Returns the function that stops watching.
 */
function watchIdle(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, host: string, onStall: () => void): () => void {
  const ms = ctx.config.bodyIdleMs;
  if (ms === 0) return noop;
  // Kept here: aborting the upstream request destroys `req`, which lets go of its socket.
  const socket = req.socket;
  let watching = true;
  const stop = (): void => {
    if (!watching) return;
    watching = false;
    req.off('end', stop);
    // Back to no socket timeout (the server's), so waiting for the app is never cut by it.
    if (!socket.destroyed) socket.setTimeout(0);
  };
  req.setTimeout(ms, () => {
    if (!watching) return;
    stop();
    onStall();
    ctx.log({ level: 'error', code: 'REQUEST_TIMEOUT', status: 408, host, method: req.method, path: pathOf(req.url), message: `no body bytes for ${ms} ms` });
    if (!res.headersSent) {
      sendError(res, 'REQUEST_TIMEOUT', `no body bytes for ${ms} ms`, true);
      res.once('finish', () => socket.destroy());
    } else socket.destroy();
  });
  req.once('end', stop);
  return stop;
}

function noop(): void {}

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
 * node response (no intermediate Readable). The response is read from the
 * app as fast as it comes while the client's unsent bytes stay within
 * PAAS_ROUTER_RESPONSE_BUFFER_KB, so a slow reader does not hold the app's
 * connection (or a sync worker) for as long as it reads; past that, the app
 * is paused until the client has taken everything (backpressure).
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
  readonly #body: Readable | Buffer | null;
  readonly #headers: string[];
  #route: Route;
  #target: Target | null = null;
  #abort: ((err?: Error) => void) | null = null;
  #resume: (() => void) | null = null;
  #attempts = 0;
  #responded = false;
  #done = false;
  #clientGone = false;

  constructor(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, route: Route, host: string, body: Readable | Buffer | null, headers: string[]) {
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
      const body = this.#body;
      const timeoutMs = this.#route.timeoutMs;
      (body === null || Buffer.isBuffer(body) ? target.pool : target.uploadPool).dispatch(
        timeoutMs === null
          ? { path: req.url!, method: req.method as Dispatcher.HttpMethod, headers: this.#headers, body }
          : { path: req.url!, method: req.method as Dispatcher.HttpMethod, headers: this.#headers, body, headersTimeout: timeoutMs },
        this,
      );
    } catch (err) {
      this.onError(err as Error);
    }
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort;
    if (this.#clientGone || this.#done) abort(new Error('client went away'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 100/103 interim responses are not relayed
    this.#responded = true;
    this.#target!.recordSuccess();
    if (this.#clientGone) return true;
    this.#resume = resume;
    const hsts = this.#ctx.secure ? this.#route.hsts : null;
    const headers = responseHeaders(rawHeaders, hsts !== null);
    if (hsts !== null) headers.push('strict-transport-security', hsts);
    const res = this.#res;
    if (statusText) res.writeHead(statusCode, statusText, headers);
    else res.writeHead(statusCode, headers);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#clientGone) return true;
    const res = this.#res;
    // A false write leaves 'drain' armed: it comes once the client has taken every byte.
    if (res.write(chunk) || res.writableLength <= this.#ctx.config.responseBufferBytes) return true;
    res.once('drain', onClientDrain);
    return false;
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
    // A buffered body can be sent again; a streamed one is partly consumed.
    if (this.#attempts < 2 && (this.#body === null || Buffer.isBuffer(this.#body)) && isRetryable(code) && isIdempotent(this.#req.method ?? '')) {
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
    // No headers in time: the app is slow or stuck, not gone. 504, and the connection is closed by undici, so a
    // wedged handler holds no connection of the router's.
    if (code === 'UND_ERR_HEADERS_TIMEOUT') {
      const seconds = (this.#route.timeoutMs ?? this.#ctx.config.upstreamHeadersTimeoutMs) / 1000;
      return reject(this.#ctx, this.#req, this.#res, 'UPSTREAM_TIMEOUT', 504, this.#host, `no response within ${seconds} s`, target.id);
    }
    reject(this.#ctx, this.#req, this.#res, 'UPSTREAM_FAILED', 502, this.#host, undefined, `${target.id} (${code})`);
  }

  /** The body idle timeout fired (the 408 is written by the caller): drop the upstream request. */
  stalled(): void {
    if (this.#done) return;
    this.#finish();
    this.#abort?.(new Error('request body stalled'));
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
