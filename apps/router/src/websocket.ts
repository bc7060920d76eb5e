import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { RouterErrorCode } from './errors.js';
import type { ProxyContext } from './proxy.js';
import type { Target } from './target.js';
import { pickTarget } from './balancer.js';
import { scanRequest } from './headers.js';
import { hostKey } from './host.js';
import { pathOf } from './log.js';
import { rawError } from './respond.js';
import { errorCode, isConnectFailure, isRetryable } from './upstream-errors.js';

export interface UpgradeContext extends ProxyContext {
  readonly config: ProxyContext['config'] & { upstreamConnectTimeoutMs: number; upstreamHeadersTimeoutMs: number };
  /** Open tunnels, so shutdown can close them. */
  readonly tunnels: Set<Duplex>;
}

/**
 * Upgrade requests (WebSocket): ask the chosen target with the same request;
 * on 101 relay its answer and pipe the raw sockets both ways; on any other
 * answer relay it and close. The tunnel counts as in flight until both ends close.
 */
export function createUpgradeHandler(ctx: UpgradeContext): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return function handleUpgrade(req, socket, head) {
    socket.on('error', () => socket.destroy());
    const scan = scanRequest(req, true, ctx.secure ? 'https' : 'http', ctx.trusted);
    const host = scan.hostTwice ? '' : hostKey(scan.host);
    const fail = (code: RouterErrorCode, status: number, detail?: string, target?: Target): void => {
      ctx.log({ level: 'error', code, status, host, method: req.method, path: pathOf(req.url), ...(target ? { target: target.id } : {}), ...(detail ? { message: detail } : {}) });
      if (socket.writable) socket.end(rawError(code, code === 'ROUTE_NOT_FOUND' ? host : undefined));
      else socket.destroy();
    };
    if (host === '') return fail('BAD_REQUEST', 400, scan.hostTwice ? 'two Host headers' : 'no usable Host header');
    const route = ctx.routes.lookup(host);
    if (route === undefined) return fail('ROUTE_NOT_FOUND', 404);
    const first = pickTarget(route, Date.now());
    if (first === null) return fail('NO_HEALTHY_TARGET', 503);
    const headers = toHeaderObject(scan.headers);

    const attempt = (target: Target, tries: number): void => {
      target.acquire();
      let released = false;
      const release = (): void => {
        if (!released) {
          released = true;
          target.release();
        }
      };
      const upReq = httpRequest({
        host: target.host,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
        agent: false,
        timeout: ctx.config.upstreamConnectTimeoutMs,
      });
      let answered = false;
      const onClientGone = (): void => {
        if (!answered) upReq.destroy();
      };
      socket.once('close', onClientGone);
      upReq.on('socket', (s) => {
        s.once('connect', () => upReq.setTimeout(ctx.config.upstreamHeadersTimeoutMs));
      });
      upReq.on('timeout', () => upReq.destroy(Object.assign(new Error('upstream timed out'), { code: 'UND_ERR_HEADERS_TIMEOUT' })));

      upReq.on('upgrade', (upRes, upSocket, upHead) => {
        answered = true;
        upReq.setTimeout(0);
        socket.off('close', onClientGone);
        target.recordSuccess();
        if (!socket.writable) {
          upSocket.destroy();
          return release();
        }
        target.sockets += 1;
        socket.write(statusHead(upRes));
        if (upHead.length > 0) socket.write(upHead);
        if (head.length > 0) upSocket.write(head);
        tunnel(ctx, socket as Socket, upSocket, () => {
          target.sockets -= 1;
          release();
        });
      });

      upReq.on('response', (upRes) => {
        // The app declined the upgrade: relay its answer, then close (the connection cannot be reused safely).
        answered = true;
        upReq.setTimeout(0);
        socket.off('close', onClientGone);
        target.recordSuccess();
        socket.write(statusHead(upRes, true));
        upRes.pipe(socket);
        upRes.on('end', release);
        upRes.on('error', () => {
          release();
          socket.destroy();
        });
        socket.once('close', () => {
          upRes.destroy();
          release();
        });
      });

      upReq.on('error', (err) => {
        release();
        socket.off('close', onClientGone);
        if (answered) return socket.destroy();
        const code = errorCode(err);
        if (isConnectFailure(code)) target.recordConnectFailure(Date.now());
        if (!socket.writable) return;
        if (tries < 2 && isRetryable(code)) {
          const next = pickTarget(ctx.routes.lookup(host) ?? route, Date.now(), target);
          if (next !== null) return attempt(next, tries + 1);
        }
        fail('UPSTREAM_FAILED', 502, code, target);
      });
      upReq.end();
    };
    attempt(first, 1);
  };
}

function tunnel(ctx: UpgradeContext, client: Socket, upstream: Socket, closed: () => void): void {
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  client.setTimeout(0);
  ctx.tunnels.add(client);
  let open = 2;
  const onClose = (): void => {
    client.destroy();
    upstream.destroy();
    if (--open === 0) {
      ctx.tunnels.delete(client);
      closed();
    }
  };
  client.once('close', onClose);
  upstream.once('close', onClose);
  upstream.on('error', () => upstream.destroy());
  upstream.pipe(client);
  client.pipe(upstream);
}

function statusHead(res: IncomingMessage, close = false): string {
  let head = `HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ''}\r\n`;
  const raw = res.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (close && (name === 'connection' || name === 'transfer-encoding' || name === 'keep-alive' || name === 'content-length')) continue;
    head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  if (close) head += 'connection: close\r\n';
  return head + '\r\n';
}

function toHeaderObject(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase();
    const value = flat[i + 1]!;
    out[name] = out[name] === undefined ? value : `${out[name]}, ${value}`;
  }
  return out;
}
