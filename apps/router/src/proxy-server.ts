import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RouterConfig } from './config.js';
import type { RouterErrorCode } from './errors.js';
import type { Logger } from './log.js';
import type { Routes } from './routes.js';
import { createRequestHandler } from './proxy.js';
import { routerErrors } from './errors.js';
import { rawError } from './respond.js';
import { createUpgradeHandler } from './websocket.js';

export interface ProxyServer {
  readonly server: Server;
  /** Stop accepting, let requests finish for up to graceMs, then cut what is left. */
  close(graceMs: number): Promise<void>;
}

/** The public listener: node:http with the client timeouts that give 408 to slow clients. */
export function createProxyServer(routes: Routes, config: RouterConfig, log: Logger): ProxyServer {
  const requestTimeout = config.requestTimeoutMs;
  const headersTimeout = requestTimeout > 0 ? Math.min(config.headersTimeoutMs, requestTimeout) : config.headersTimeoutMs;
  const server = createServer({
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // How often node looks for clients past those timeouts; its 30 s default would make them moot.
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
    requireHostHeader: false,
    noDelay: true,
  });
  const tunnels = new Set<Duplex>();
  const ctx = { routes, config, log, tunnels };
  server.on('request', createRequestHandler(ctx));
  server.on('upgrade', createUpgradeHandler(ctx));
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const code = clientErrorCode(err);
    const busy = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (code === null || !socket.writable || busy) {
      socket.destroy();
      return;
    }
    log({ level: 'error', code, status: routerErrors[code].status, message: err.code });
    socket.end(rawError(code));
  });

  return {
    server,
    close(graceMs) {
      return new Promise<void>((resolve) => {
        let finished = false;
        const timer = setTimeout(() => {
          server.closeAllConnections();
          for (const t of tunnels) t.destroy();
          done();
        }, graceMs);
        const done = (): void => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          resolve();
        };
        server.close(() => {
          if (tunnels.size === 0) done();
        });
        server.closeIdleConnections();
      });
    },
  };
}

function clientErrorCode(err: NodeJS.ErrnoException): RouterErrorCode | null {
  switch (err.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return null;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'REQUEST_TIMEOUT';
    case 'HPE_HEADER_OVERFLOW':
      return 'HEADERS_TOO_LARGE';
    default:
      return 'BAD_REQUEST';
  }
}
