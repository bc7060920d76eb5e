import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { RouterConfig } from './config.js';
import type { Edge } from './edge.js';
import type { RouterErrorCode } from './errors.js';
import type { TrustCheck } from './headers.js';
import type { Logger } from './log.js';
import type { Routes } from './routes.js';
import type { SniContexts } from './sni.js';
import { createRequestHandler } from './proxy.js';
import { routerErrors } from './errors.js';
import { rawError } from './respond.js';
import { createUpgradeHandler } from './websocket.js';

export interface ProxyServer {
  readonly server: Server;
  /** Stop accepting, let requests finish for up to graceMs, then cut what is left. */
  close(graceMs: number): Promise<void>;
  /** HTTPS only: the default certificate (for clients without SNI) changed. */
  refreshDefault(): void;
}

export type ProxyServerConfig = Omit<RouterConfig, 'log'>;

/**
 * A public listener: node:http (or node:https with `sni`, which picks the
 * certificate per handshake) with the client timeouts that give 408 to slow
 * clients. Both kinds share the request and upgrade handlers.
 */
export function createProxyServer(routes: Routes, config: ProxyServerConfig, log: Logger, edge: Edge, trusted: TrustCheck, sni: SniContexts | null = null): ProxyServer {
  const requestTimeout = config.requestTimeoutMs;
  const headersTimeout = requestTimeout > 0 ? Math.min(config.headersTimeoutMs, requestTimeout) : config.headersTimeoutMs;
  const options = {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // How often node looks for clients past those timeouts; its 30 s default would make them moot.
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
    requireHostHeader: false,
    noDelay: true,
  };
  const server: Server =
    sni === null
      ? createServer(options)
      : (createTlsServer({
          ...options,
          SNICallback: sni.callback((servername) => log({ level: 'warn', code: 'TLS_NO_CERTIFICATE', host: servername.slice(0, 253), message: 'no certificate covers this name and there is no default' })),
          // A TLS handshake must finish as fast as the headers.
          handshakeTimeout: headersTimeout,
        }) as unknown as Server);
  const refreshDefault = (): void => {
    if (sni === null) return;
    // Clients that send no SNI (an IP address in the URL) get the default, or a handshake failure without one.
    (server as unknown as import('node:tls').Server).setSecureContext(sni.defaultPair ?? {});
  };
  refreshDefault();
  const tunnels = new Set<Duplex>();
  const ctx = { routes, config, log, tunnels, secure: sni !== null, trusted, edge };
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
    refreshDefault,
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
