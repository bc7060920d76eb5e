import { CURRENT_DIR, PAAS_DIR } from '../layout.js';

/**
 * The default process of nodejs services, decided at start because the
 * planner only knows which files exist, not what package.json says. dotCloud
 * ran `node server.js`; apps written for it expect that first. A web service's
 * server.js or index.js runs in a cluster (node-cluster.js below); `npm start`
 * runs what the app's own script says, and a worker runs its file alone.
 */
export const RUN_NODE_SH = `#!/bin/sh
# paas: node server.js when there is one, else npm start when package.json has a start script, else index.js.
# With --cluster (web services), server.js and index.js run in paas's cluster of workers.
cd ${CURRENT_DIR}
run() {
  if [ "$1" = "--cluster" ]; then exec node ${PAAS_DIR}/node-cluster.js "$2"; fi
  exec node "$2"
}
if [ -f server.js ]; then run "$1" server.js; fi
if [ -f package.json ] && node -e 'process.exit(require("./package.json").scripts?.start ? 0 : 1)' 2>/dev/null; then
  exec npm start
fi
if [ -f index.js ]; then run "$1" index.js; fi
echo "paas: no server.js, no start script in package.json and no index.js in $(pwd)" >&2
exit 1
`;

/**
 * The cluster: $WEB_CONCURRENCY (2) workers share $PORT through node's
 * cluster module, each running the app's file as its main module (so
 * `require.main === module` holds). A worker that dies (a crash, a segfault,
 * an out-of-memory kill) is replaced at once, so one bad request costs the
 * requests of one worker, not the instance. A worker whose event loop stops
 * turning (`while (true) {}`) for longer than $PAAS_WORKER_TIMEOUT (5 s) is
 * killed and replaced: the heartbeat comes from a module preloaded into each
 * worker. Unlike a python sync worker, a stopped event loop holds every
 * request of the worker, slow or not, so the limit is not the request
 * timeout; an async handler may take as long as the router allows. Requests
 * on a killed worker's connections end with a reset, which the router
 * retries on another instance when the method is idempotent. The watch
 * starts once a worker listens, so a slow start is not a stopped loop. A worker that dies before it ever listened means the app cannot
 * start: the cluster exits with its code, as `node server.js` would.
 */
export const NODE_CLUSTER_JS = `'use strict';
// paas: run the app in a cluster of workers on $PORT (see docs/builders.md).
const cluster = require('node:cluster');
const path = require('node:path');

function number(name, fallback, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) {
    console.error('paas: ' + name + ' must be a number of at least ' + min + ', got ' + JSON.stringify(raw));
    process.exit(1);
  }
  return n;
}

const file = path.resolve(process.argv[2]);
const workers = Math.floor(number('WEB_CONCURRENCY', 2, 1));
const timeoutMs = 1000 * number('PAAS_WORKER_TIMEOUT', 5, 1);
const seen = new Map();
const listened = new Set();
let stopping = false;

cluster.setupPrimary({ exec: file, args: process.argv.slice(3), execArgv: [...process.execArgv, '--require', path.join(__dirname, 'node-heartbeat.js')] });

function start() {
  const worker = cluster.fork();
  worker.on('message', (m) => {
    if (m === 'paas:alive' && listened.has(worker.id)) seen.set(worker.id, Date.now());
  });
  worker.on('listening', () => {
    listened.add(worker.id);
    seen.set(worker.id, Date.now());
  });
}

cluster.on('exit', (worker, code, signal) => {
  const hadListened = listened.has(worker.id);
  seen.delete(worker.id);
  listened.delete(worker.id);
  if (stopping) {
    if (Object.keys(cluster.workers).length === 0) process.exit(0);
    return;
  }
  if (!hadListened) {
    console.error('paas: worker ' + worker.process.pid + ' ended before it listened (' + (signal || 'exit code ' + code) + '): the app cannot start');
    stopping = true;
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
    process.exit(code || 1);
  }
  console.error('paas: worker ' + worker.process.pid + ' ended (' + (signal || 'exit code ' + code) + '); starting another');
  start();
});

setInterval(() => {
  const now = Date.now();
  for (const [id, at] of seen) {
    const worker = cluster.workers[id];
    if (worker === undefined || now - at <= timeoutMs) continue;
    console.error('paas: worker ' + worker.process.pid + ' has not answered for ' + Math.round((now - at) / 1000) + ' s (a request stuck in a loop?): killing it');
    seen.delete(id);
    worker.process.kill('SIGKILL');
  }
}, 1000);

function stop() {
  if (stopping) return;
  stopping = true;
  const alive = Object.values(cluster.workers);
  if (alive.length === 0) process.exit(0);
  for (const w of alive) w.process.kill('SIGTERM');
  // Workers that ignore SIGTERM are not waited for: the engine's stop timeout would kill the instance anyway.
  setTimeout(() => process.exit(0), 9000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

for (let i = 0; i < workers; i++) start();
`;

/** Preloaded into each worker: a heartbeat that stops when the event loop does. */
export const NODE_HEARTBEAT_JS = `'use strict';
if (typeof process.send === 'function') setInterval(() => process.send('paas:alive', () => {}), 1000).unref();
`;
