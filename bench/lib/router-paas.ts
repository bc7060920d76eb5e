import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { RouteTable } from '@paas/core';
import type { Children } from './router-procs.js';
import { stop, waitForPort } from './router-procs.js';

const serverJs = fileURLToPath(new URL('../../apps/router/dist/server.js', import.meta.url));

/** Starts `node apps/router/dist/server.js` as a real process and installs a one-host table. */
export async function startPaasRouter(
  children: Children,
  opts: { home: string; port: number; controlPort: number; workers: number; host: string; upstreamPort: number },
): Promise<{ stop(): Promise<void> }> {
  const token = randomBytes(24).toString('hex');
  const child = children.start(`paas router (${opts.workers} worker(s))`, process.execPath, [serverJs], {
    ...process.env,
    PAAS_HOME: opts.home,
    PAAS_ROUTER_HOST: '127.0.0.1',
    PAAS_ROUTER_PORT: String(opts.port),
    PAAS_ROUTER_CONTROL_PORT: String(opts.controlPort),
    PAAS_ROUTER_TOKEN: token,
    PAAS_ROUTER_WORKERS: String(opts.workers),
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
  return { stop: () => stop(child) };
}
