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
  if [ "$1" = "--cluster" ]; then exec node --expose-internals ${PAAS_DIR}/node-cluster.js "$2"; fi
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
 * retries on another instance when the method is idempotent. Every response
 * says `Connection: close`, so each request is a new connection, and node's
 * round-robin scheduler hands a new connection only to a worker that took
 * the last one: a stuck worker gets at most one more, which goes to another
 * worker once the stuck one is killed. The watch starts once a worker
 * listens, so a slow start is not a stopped loop. A worker that dies before
 * any worker ever listened means the app cannot start: the cluster exits with
 * its code, as `node server.js` would (so does a fifth worker in a row that
 * dies before it listens).
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
let everListened = false;
let failedStarts = 0; // workers in a row that ended before they listened, once the app had started
let stopping = false;

const execArgv = process.execArgv.filter((a) => a !== '--expose-internals');
cluster.setupPrimary({ exec: file, args: process.argv.slice(3), execArgv: [...execArgv, '--require', path.join(__dirname, 'node-heartbeat.js')] });

// Node's round-robin scheduler hands a connection to a worker and keeps its own copy until the worker
// says it took it. A worker that dies first (a crash, or killed for a stopped loop) never says so, and
// node keeps that connection open, unanswered, until the client gives up. When a worker has ended and
// its channel is closed (so every message it sent has been read), a connection it never said it took
// was never read by it: it goes to another worker, or to the one that replaces it, and is served. This
// needs node's internals (run with --expose-internals); without them it is left out.
const handedTo = new Map(); // connection handle -> { id: worker id, scheduler }
const closedHere = new WeakSet();
function watchHandoffs() {
  let RoundRobinHandle, peek;
  try {
    RoundRobinHandle = require('internal/cluster/round_robin_handle');
    peek = require('internal/linkedlist').peek;
  } catch {
    return;
  }
  const proto = RoundRobinHandle && RoundRobinHandle.prototype;
  if (!proto || typeof proto.handoff !== 'function' || typeof proto.distribute !== 'function' || typeof peek !== 'function') return;
  const { handoff, distribute, remove } = proto;
  // Node stops listening when the last worker of a port is gone, until a new one listens again: a crash of
  // the only worker left (its partner still starting) would refuse connections for that while. Keep
  // listening instead (a dead worker's replacement is forked before node looks, see ended());
  // connections wait in the queue for the worker that replaces it.
  proto.remove = function (worker) {
    if (stopping || !this.all || !this.free) return remove.call(this, worker);
    this.all.delete(worker.id);
    this.free.delete(worker.id);
    return false;
  };
  proto.handoff = function (worker) {
    const next = this.handles && this.all && this.all.has(worker.id) ? peek(this.handles) : null;
    const result = handoff.call(this, worker);
    // Handed off: node took it off its queue (and nulled its links) and sent it.
    if (next !== null && next._idlePrev === null && typeof next.close === 'function') {
      handedTo.set(next, { id: worker.id, scheduler: this });
      if (!Object.prototype.hasOwnProperty.call(next, 'close')) {
        const close = next.close;
        next.close = function () {
          handedTo.delete(next);
          return close.apply(this, arguments);
        };
      }
    }
    return result;
  };
  proto.distribute = function (err, handle) {
    if (handle) {
      if (closedHere.has(handle)) return;
      handedTo.delete(handle);
    }
    return distribute.call(this, err, handle);
  };
}
watchHandoffs();

function settleHandedTo(worker) {
  for (const [handle, { id, scheduler }] of handedTo) {
    if (id !== worker.id) continue;
    if (scheduler.handle) {
      scheduler.distribute(0, handle);
    } else {
      // The scheduler stopped listening (the cluster is stopping): no one will take it.
      closedHere.add(handle);
      handle.close();
    }
  }
}

function start() {
  const worker = cluster.fork();
  worker.process.prependOnceListener('exit', (code, signal) => ended(worker, code, signal));
  worker.on('message', (m) => {
    if (m === 'paas:alive' && listened.has(worker.id)) seen.set(worker.id, Date.now());
  });
  worker.on('listening', () => {
    everListened = true;
    failedStarts = 0;
    listened.add(worker.id);
    seen.set(worker.id, Date.now());
  });
}

// Runs before node's own handler of the worker's end: the replacement is forked first, so node never
// sees its last worker gone while a port is still listened on (it would stop listening, or abort).
function ended(worker, code, signal) {
  if (worker.isConnected()) worker.once('disconnect', () => settleHandedTo(worker));
  else settleHandedTo(worker);
  const hadListened = listened.has(worker.id);
  seen.delete(worker.id);
  listened.delete(worker.id);
  if (stopping) {
    if (Object.values(cluster.workers).every((w) => w === worker)) process.exit(0);
    return;
  }
  // Before any worker listened, a death means the app cannot start. After, a new worker may die early
  // for a request it took at once (a crash on 1 % of requests): replaced, unless it keeps happening.
  if (!hadListened && (!everListened || ++failedStarts >= 5)) {
    console.error('paas: worker ' + worker.process.pid + ' ended before it listened (' + (signal || 'exit code ' + code) + '): the app cannot start');
    stopping = true;
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGKILL');
    process.exit(code || 1);
  }
  console.error('paas: worker ' + worker.process.pid + ' ended (' + (signal || 'exit code ' + code) + '); starting another');
  start();
}

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
// Over the instance's memory limit the kernel kills the process it scores worst: make a worker (which the
// cluster replaces) score worse than the cluster itself (whose end takes the instance down). Raising one's
// own score needs no privilege.
try {
  require('node:fs').writeFileSync('/proc/self/oom_score_adj', '500');
} catch {}
{
  // Connection: close on every response (as gunicorn's sync workers do): each request comes on a new
  // connection, which the round-robin scheduler only hands to a worker whose loop is turning, so a
  // worker stuck in a loop holds no kept-alive connection for the next request.
  const http = require('node:http');
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, res) {
    if (event === 'request') res.shouldKeepAlive = false;
    return emit.apply(this, arguments);
  };
}
`;
