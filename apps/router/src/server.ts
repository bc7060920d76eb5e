/**
 * Process entry: `node apps/router/dist/server.js` with PAAS_ROUTER_TOKEN set.
 * Listens, and on SIGTERM/SIGINT stops accepting, lets in-flight requests
 * finish (PAAS_ROUTER_SHUTDOWN_GRACE_MS) and exits.
 */
import { loadConfig } from './config.js';
import { startRouter } from './index.js';

let config;
try {
  config = loadConfig();
} catch (err) {
  process.stderr.write(`paas-router: ${(err as Error).message}\n`);
  process.exit(2);
}

const router = await startRouter(config);
process.stdout.write(
  JSON.stringify({ time: new Date().toISOString(), level: 'info', code: 'ROUTER_STARTED', port: router.port, controlPort: router.controlPort, workers: config.workers, version: router.table().version }) + '\n',
);

let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level: 'info', code: 'ROUTER_STOPPING', message: signal }) + '\n');
  router.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
