import cluster from 'node:cluster';
import type { FromWorker, ToWorker } from './cluster-messages.js';
import { listen } from './listen.js';
import { createLogger } from './log.js';
import { createProxyServer, type ProxyServer } from './proxy-server.js';
import { Routes } from './routes.js';

/**
 * A cluster proxy worker: serves what the primary sends, answers its
 * in-flight queries. It never reads the environment or the state file.
 */
if (!cluster.isWorker) throw new Error('worker.ts runs only as a cluster worker of the router');

const send = (m: FromWorker): void => {
  if (process.connected) process.send!(m);
};
let routes: Routes | null = null;
let proxy: ProxyServer | null = null;
let stopping = false;

async function stop(graceMs: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await proxy?.close(graceMs);
  await routes?.destroy();
  process.exit(0);
}

// The primary decides when to stop; a signal sent to the whole group must not cut requests short.
process.on('SIGTERM', () => undefined);
process.on('SIGINT', () => undefined);
// Primary gone: finish what is in flight and leave.
process.on('disconnect', () => void stop(10_000));

process.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'start': {
      const log = createLogger({});
      routes = new Routes(m.table, m.config);
      proxy = createProxyServer(routes, m.config, log);
      listen(proxy.server, m.config.port, m.config.host).then(
        (port) => send({ t: 'listening', port }),
        (err: unknown) => send({ t: 'failed', message: String(err) }),
      );
      break;
    }
    case 'table':
      routes?.replace(m.table);
      send({ t: 'table-ok', seq: m.seq });
      break;
    case 'inflight':
      send({ t: 'inflight', seq: m.seq, n: routes?.inflight(new Set(m.ids)) ?? 0 });
      break;
    case 'stop':
      void stop(m.graceMs);
      break;
  }
});

// Only now can messages be received: 'online' fires before this module has loaded.
send({ t: 'ready' });
