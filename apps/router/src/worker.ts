import cluster from 'node:cluster';
import type { FromWorker, ToWorker } from './cluster-messages.js';
import { openListeners, type Listeners } from './listeners.js';
import { createLogger } from './log.js';

/**
 * A cluster proxy worker: serves what the primary sends (table, certificate
 * set, ACME answers), answers its in-flight queries. It never reads the
 * environment or the state files.
 */
if (!cluster.isWorker) throw new Error('worker.ts runs only as a cluster worker of the router');

const send = (m: FromWorker): void => {
  if (process.connected) process.send!(m);
};
let listeners: Listeners | null = null;
let stopping = false;

async function stop(graceMs: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await listeners?.stop(graceMs);
  process.exit(0);
}

// The primary decides when to stop; a signal sent to the whole group must not cut requests short.
process.on('SIGTERM', () => undefined);
process.on('SIGINT', () => undefined);
// Primary gone: finish what is in flight and leave.
process.on('disconnect', () => void stop(10_000));

process.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'start':
      openListeners(m.config, createLogger({}), m.table, m.tls, m.challenges).then(
        (l) => {
          listeners = l;
          send({ t: 'listening', port: l.port, tlsPort: l.tlsPort });
        },
        (err: unknown) => send({ t: 'failed', message: String(err) }),
      );
      break;
    case 'table':
      listeners?.installTable(m.table);
      send({ t: 'ok', seq: m.seq });
      break;
    case 'tls':
      listeners?.installTls(m.tls);
      send({ t: 'ok', seq: m.seq });
      break;
    case 'challenges':
      listeners?.setChallenges(m.challenges);
      send({ t: 'ok', seq: m.seq });
      break;
    case 'inflight':
      send({ t: 'inflight', seq: m.seq, n: listeners?.inflight(new Set(m.ids)) ?? 0 });
      break;
    case 'stop':
      void stop(m.graceMs);
      break;
  }
});

// Only now can messages be received: 'online' fires before this module has loaded.
send({ t: 'ready' });
