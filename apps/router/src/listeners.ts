import type { RouteTable, TlsSet } from '@paas/core';
import type { Logger } from './log.js';
import { newEdge } from './edge.js';
import { listen } from './listen.js';
import { createProxyServer, type ProxyServer, type ProxyServerConfig } from './proxy-server.js';
import { Routes } from './routes.js';
import { SniContexts } from './sni.js';
import { trustCheck } from './trusted-proxies.js';

/** What one serving process holds: the routes, plain HTTP and (unless turned off) HTTPS on the same host. */
export interface Listeners {
  readonly port: number;
  /** null: TLS is off, or its port could not be had (logged; plain HTTP serves on). */
  readonly tlsPort: number | null;
  installTable(table: RouteTable): void;
  installTls(set: TlsSet): void;
  setChallenges(challenges: Record<string, string>): void;
  inflight(ids: ReadonlySet<string>): number;
  stop(graceMs: number): Promise<void>;
}

/**
 * Serves the given table and certificate set at once (a restarted router
 * needs neither the API nor the control port for that). A TLS port that is
 * taken does not stop plain HTTP: it is logged as TLS_LISTEN_FAILED.
 */
export async function openListeners(config: ProxyServerConfig, log: Logger, table: RouteTable, tls: TlsSet, challenges: Record<string, string> = {}): Promise<Listeners> {
  const routes = new Routes(table, config);
  const edge = newEdge();
  edge.challenges = new Map(Object.entries(challenges));
  const trusted = trustCheck(config.trustedProxies);
  const plain = createProxyServer(routes, config, log, edge, trusted);
  let port: number;
  try {
    port = await listen(plain.server, config.port, config.host);
  } catch (err) {
    await routes.destroy();
    throw err;
  }
  let secure: ProxyServer | null = null;
  const sni = new SniContexts();
  if (config.tlsPort !== null) {
    sni.install(tls);
    secure = createProxyServer(routes, config, log, edge, trusted, sni);
    try {
      edge.httpsPort = await listen(secure.server, config.tlsPort, config.host);
    } catch (err) {
      log({ level: 'error', code: 'TLS_LISTEN_FAILED', message: `HTTPS is not served: ${(err as Error).message}` });
      secure = null;
    }
  }
  return {
    port,
    tlsPort: edge.httpsPort,
    installTable: (t) => routes.replace(t),
    installTls(set) {
      if (secure === null) return;
      sni.install(set);
      secure.refreshDefault();
    },
    setChallenges(c) {
      edge.challenges = new Map(Object.entries(c));
    },
    inflight: (ids) => routes.inflight(ids),
    async stop(graceMs) {
      await Promise.all([plain.close(graceMs), secure?.close(graceMs)]);
      await routes.destroy();
    },
  };
}
