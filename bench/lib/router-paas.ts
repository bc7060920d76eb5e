import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { RouteTable, TlsSet } from '@paas/core';
import type { BenchCert } from './router-tls.js';
import type { Children } from './router-procs.js';
import { stop, waitForPort } from './router-procs.js';

const serverJs = fileURLToPath(new URL('../../apps/router/dist/server.js', import.meta.url));

/**
 * Starts `node apps/router/dist/server.js` as a real process and installs a
 * one-host table; with `tls`, also the certificate (as the default, since
 * wrk sends the IP address as its SNI name) on `tls.port`.
 */
export async function startPaasRouter(
  children: Children,
  opts: { home: string; port: number; controlPort: number; workers: number; host: string; upstreamPort: number; tls?: { port: number; cert: BenchCert }; serverJs?: string },
): Promise<{ pid: number; stop(): Promise<void> }> {
  const token = randomBytes(24).toString('hex');
  const child = children.start(`paas router (${opts.workers} worker(s))`, process.execPath, [opts.serverJs ?? serverJs], {
    ...process.env,
    PAAS_HOME: opts.home,
    PAAS_ROUTER_HOST: '127.0.0.1',
    PAAS_ROUTER_PORT: String(opts.port),
    PAAS_ROUTER_CONTROL_PORT: String(opts.controlPort),
    PAAS_ROUTER_TOKEN: token,
    PAAS_ROUTER_WORKERS: String(opts.workers),
    PAAS_ROUTER_TLS_PORT: opts.tls === undefined ? 'off' : String(opts.tls.port),
    NODE_ENV: 'production',
  });
  await waitForPort(opts.controlPort);
  await waitForPort(opts.port);
  const table: RouteTable = {
    version: Date.now(),
    routes: { [opts.host]: { app: 'bench', service: 'www', targets: [{ id: 'bench.www.1', host: '127.0.0.1', port: opts.upstreamPort }] } },
  };
  const res = await fetch(`http://127.0.0.1:${opts.controlPort}/routes`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(table),
  });
  if (res.status !== 200) throw new Error(`PUT /routes answered ${res.status}: ${await res.text()}`);
  if (opts.tls !== undefined) {
    const c = opts.tls.cert;
    const set: TlsSet = { version: 1, certificates: [{ id: c.id, cert: c.cert, key: c.key, hosts: [opts.host] }], defaultId: c.id };
    const put = await fetch(`http://127.0.0.1:${opts.controlPort}/tls`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(set),
    });
    if (put.status !== 200) throw new Error(`PUT /tls answered ${put.status}: ${await put.text()}`);
    await waitForPort(opts.tls.port);
  }
  return { pid: child.pid!, stop: () => stop(child) };
}
