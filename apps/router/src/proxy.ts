import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { RouterConfig } from './config.js';
import type { RouterErrorCode } from './errors.js';
import type { Logger } from './log.js';
import type { Route, Routes } from './routes.js';
import type { Target } from './target.js';
import { pickTarget } from './balancer.js';
import { responseHeaders, scanRequest, type TrustCheck } from './headers.js';
import { acmePrefix, type Edge } from './edge.js';
import { hostKey } from './host.js';
import { pathOf } from './log.js';
import { sendError } from './respond.js';
import { Spool } from './spool.js';
import { errorCode, isConnectFailure, isIdempotent, isRetryable } from './upstream-errors.js';

export interface ProxyContext {
  readonly routes: Routes;
  readonly config: Pick<RouterConfig, 'maxBodyBytes' | 'bodyIdleMs' | 'bodyBufferBytes' | 'spoolDir' | 'responseBufferBytes' | 'upstreamHeadersTimeoutMs' | 'retryJitterMs'>;
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

/** The request listener: ACME answers, route by Host, redirect, read the body, pick a target, proxy. */
export function createRequestHandler(ctx: ProxyContext): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = ctx.config.maxBodyBytes;
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

    // Unknown length (chunked): counted against the limit as it comes (see collectBody).
    if (scan.chunked) return collectBody(ctx, req, res, host, route, scan.headers, 0);
    if (scan.contentLength !== undefined) {
      // node's parser already refused a malformed length, or one together with chunked.
      const n = Number(scan.contentLength);
      if (n > limit) return reject(ctx, req, res, 'BODY_TOO_LARGE', 413, host, `over ${limit} bytes`);
      if (n > 0) return collectBody(ctx, req, res, host, route, scan.headers, n);
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
 * Why slow clients cannot take an app's connections (reliability 45): every
 * request body is read whole by the router before the upstream request is
 * even opened (nginx's proxy_request_buffering), so a client that trickles
 * its body holds a router socket, never an app connection or an app worker
 * (a sync worker with a timeout would be held, then killed). Up to
 * PAAS_ROUTER_BODY_BUFFER_KB it is kept in memory; a larger one (a
 * Content-Length over it, or a chunked body that grows past it) is spooled
 * to a file in PAAS_ROUTER_SPOOL_DIR and sent from there. A body is cut by
 * the limit (413) and by the idle timeout (408), and a spool file is removed
 * whatever the outcome. `expected` is the Content-Length, 0 for chunked.
 */
function collectBody(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, host: string, route: Route, headers: string[], expected: number): void {
  const limit = ctx.config.maxBodyBytes;
  const bufferUpTo = ctx.config.bodyBufferBytes;
  let chunks: Buffer[] = [];
  let size = 0;
  let spool: Spool | null = null;
  /** A spool file is being opened: `req` is paused, chunks still go to memory. */
  let opening = false;
  let ended = false;
  let settled = false;
  /** Stops listening to `req`; with `drop`, the spool file goes too (the body will not be sent). */
  const settle = (drop: boolean): void => {
    settled = true;
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onGone);
    stopIdle();
    if (drop) spool?.remove();
  };
  const stopIdle = watchIdle(ctx, req, res, host, () => settle(true));
  const resume = (): void => {
    if (!settled) req.resume();
  };
  const onData = (chunk: Buffer): void => {
    size += chunk.length;
    if (size > limit) {
      settle(true);
      return reject(ctx, req, res, 'BODY_TOO_LARGE', 413, host, `over ${limit} bytes`);
    }
    if (spool !== null) {
      if (!spool.write(chunk)) {
        req.pause();
        spool.onDrain(resume);
      }
      return;
    }
    chunks.push(chunk);
    if (!opening && (size > bufferUpTo || expected > bufferUpTo)) {
      opening = true;
      req.pause();
      Spool.create(ctx.config.spoolDir).then(
        (s) => {
          if (settled) return s.remove();
          spool = s;
          let ok = true;
          for (const c of chunks) ok = s.write(c);
          chunks = [];
          if (ended) send();
          else if (ok) req.resume();
          else s.onDrain(resume);
        },
        (err: unknown) => {
          if (!settled) spoolFailed(err);
        },
      );
    }
  };
  const spoolFailed = (err: unknown): void => {
    settle(true);
    ctx.log({ level: 'error', code: 'INTERNAL', status: 500, host, method: req.method, path: pathOf(req.url), message: `request body spool: ${String(err)}` });
    sendError(res, 'INTERNAL', undefined, true);
  };
  const onEnd = (): void => {
    ended = true;
    if (!opening) return send();
    // Still opening the spool file: its callback sends once the buffered chunks are written.
    if (spool !== null) send();
  };
  const send = (): void => {
    if (settled) return;
    settle(false);
    if (spool === null) return dispatch(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    const s = spool;
    s.finish((err) => {
      if (err !== null) {
        s.remove();
        return spoolFailed(err);
      }
      // The client may have gone while the file was flushed.
      if (res.destroyed) return s.remove();
      // A chunked body now has a length; the app gets it (a gunicorn worker reads it like any other).
      if (expected === 0) headers.push('content-length', String(size));
      dispatch(s);
    });
  };
  const dispatch = (body: Buffer | Spool): void => {
    // The route may have changed while the body came in.
    const current = ctx.routes.lookup(host) ?? route;
    const target = pickTarget(current, Date.now());
    if (target === null) {
      if (body instanceof Spool) body.remove();
      return reject(ctx, req, res, 'NO_HEALTHY_TARGET', 503, host, host);
    }
    new Exchange(ctx, req, res, current, host, body, headers).send(target);
  };
  const onGone = (): void => settle(true);
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('close', onGone);
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
 * node response (no intermediate Readable). The request body is whole by
 * now (memory or a spool file). The response is read from the app as fast
 * as it comes while the client's unsent bytes stay within
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
  readonly #body: Buffer | Spool | null;
  readonly #headers: string[];
  #route: Route;
  #target: Target | null = null;
  #abort: ((err?: Error) => void) | null = null;
  #resume: (() => void) | null = null;
  #attempts = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #responded = false;
  #done = false;
  #clientGone = false;

  constructor(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse, route: Route, host: string, body: Buffer | Spool | null, headers: string[]) {
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
      const body = this.#body instanceof Spool ? this.#body.read() : this.#body;
      const timeoutMs = this.#route.timeoutMs;
      target.pool.dispatch(
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
    const code = errorCode(err);
    if (isConnectFailure(code)) target.recordConnectFailure(Date.now());
    if (this.#clientGone || this.#done) return this.#finish();
    if (this.#responded) {
      // Mid-body failure: the status line is gone, so cut the connection; the client sees a truncated body.
      this.#log('UPSTREAM_FAILED', 502, target, code);
      this.#res.destroy();
      return this.#finish();
    }
    // Every body is whole (memory or spool file), so it can be sent again.
    if (this.#attempts < 2 && isRetryable(code) && isIdempotent(this.#req.method ?? '')) {
      this.#abort = null;
      this.#resume = null;
      // A connect that failed reached no app: try again at once. A reset did: when a process dies (a crash, a
      // worker killed for a stopped loop), every request it held is reset at the same moment, the one that killed
      // it among them. Sent again together, they would land together and the bad one could take the others down a
      // second time; a random wait spreads them out (Envoy's retry back-off does the same).
      const wait = isConnectFailure(code) ? 0 : Math.random() * this.#ctx.config.retryJitterMs;
      if (wait < 1) return this.#retry(target, code);
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = null;
        this.#retry(target, code);
      }, wait);
      return;
    }
    this.#fail(target, code);
  }

  #retry(failed: Target, code: string): void {
    if (this.#clientGone || this.#done) return this.#finish();
    // Re-read the table: after a switch the retry should go to the new targets.
    this.#route = this.#ctx.routes.lookup(this.#host) ?? this.#route;
    const next = pickTarget(this.#route, Date.now(), failed);
    if (next === null) return this.#fail(failed, code);
    failed.release();
    this.send(next);
  }

  #fail(target: Target, code: string): void {
    this.#finish();
    // No headers in time: the app is slow or stuck, not gone. 504, and the connection is closed by undici, so a
    // wedged handler holds no connection of the router's.
    if (code === 'UND_ERR_HEADERS_TIMEOUT') {
      const seconds = (this.#route.timeoutMs ?? this.#ctx.config.upstreamHeadersTimeoutMs) / 1000;
      return reject(this.#ctx, this.#req, this.#res, 'UPSTREAM_TIMEOUT', 504, this.#host, `no response within ${seconds} s`, target.id);
    }
    reject(this.#ctx, this.#req, this.#res, 'UPSTREAM_FAILED', 502, this.#host, undefined, `${target.id} (${code})`);
  }

  clientClosed(): void {
    if (this.#done) return;
    this.#clientGone = true;
    if (this.#retryTimer !== null) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
      return this.#finish();
    }
    this.#abort?.(new Error('client went away'));
  }

  #log(code: RouterErrorCode, status: number, target: Target, detail: string): void {
    const req = this.#req;
    this.#ctx.log({ level: 'error', code, status, host: this.#host, method: req.method, path: pathOf(req.url), target: target.id, message: detail });
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#body instanceof Spool) this.#body.remove();
    this.#target!.release();
    this.#res[kExchange] = undefined;
  }
}
