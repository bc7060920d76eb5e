import { freshCredentials, initKeys } from '../credentials.js';
import { ENTRYPOINT_MAIN, RESTORE_INVALID_EXIT, entrypointPrelude, sh, stackImage } from '../recipe.js';
import type { Credentials, ServiceDefinition } from '../types.js';
import { serviceUrl } from '../url.js';

const DATA = '/var/lib/redis';
const PORT = 6379;
const MIB = 1024 * 1024;
/** The server's account, at a fixed id (see StackRecipe.account). */
const ACCOUNT = { name: 'redis', id: 903, home: '/var/lib/redis' };
/** The ACL user of `paas run`, backup and restore (adminPassword). */
const ADMIN_USER = 'admin';
/** Holds requirepass and the ACL users: on the volume, written once at initialisation, mode 0600. */
const AUTH_CONF = `${DATA}/paas-auth.conf`;

// AOF fsynced every second, so a killed server loses at most a second of writes.
// DEBUG is allowed from inside the container only: restore uses DEBUG RELOAD.
const CONFIG = `bind * -::*
port ${PORT}
daemonize no
supervised no
logfile ""
dir ${DATA}/db
dbfilename dump.rdb
save ""
appendonly yes
appendfsync everysec
appenddirname appendonlydir
maxmemory-policy noeviction
enable-debug-command local
include ${AUTH_CONF}
`;

const ENTRYPOINT = `${entrypointPrelude(DATA, ['PAAS_SERVICE_LOGIN', 'PAAS_SERVICE_PASSWORD', 'PAAS_SERVICE_ADMIN_PASSWORD'])}
initialise() {
  rm -rf "$DATA/db"
  mkdir -m 0700 "$DATA/db"
  umask 077
  # requirepass gives the default user the app's password (AUTH password); the
  # ACL user named like the login takes AUTH login password.
  cat >"${AUTH_CONF}.new" <<EOF
requirepass $PAAS_SERVICE_PASSWORD
user $PAAS_SERVICE_LOGIN on >$PAAS_SERVICE_PASSWORD ~* &* +@all
user ${ADMIN_USER} on >$PAAS_SERVICE_ADMIN_PASSWORD ~* &* +@all
EOF
  mv "${AUTH_CONF}.new" "${AUTH_CONF}"
}
run() {
  # maxmemory at three quarters of the container's limit, leaving room for the AOF rewrite's fork.
  limit=$(memory_limit)
  if [ -z "$limit" ]; then exec redis-server /etc/redis/paas.conf; fi
  exec redis-server /etc/redis/paas.conf --maxmemory $((limit / 4 * 3))
}
${ENTRYPOINT_MAIN}`;

const CLI = `redis-cli -h 127.0.0.1 -p ${PORT} --user ${ADMIN_USER} --no-auth-warning`;

// The RDB is checked with redis-check-rdb before anything changes, moved into
// place as dump.rdb, loaded with DEBUG RELOAD NOSAVE (the running server
// replaces its data with the file's), and then the AOF is rewritten from the
// loaded data; the command exits once that rewrite succeeded, so the restored
// data survives a restart.
const RESTORE = `set -eu
db=${DATA}/db
tmp=$(mktemp "$db/restore.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat >"$tmp"
if [ ! -s "$tmp" ] || ! redis-check-rdb "$tmp" >/dev/null 2>&1; then
  echo "restore: the input is not a valid RDB file (paas backup of redis); nothing was changed" >&2
  exit ${RESTORE_INVALID_EXIT}
fi
info() { ${CLI} INFO persistence | tr -d '\\r' | grep "^$1:" | cut -d: -f2; }
wait_rewrite() {
  while [ "$(info aof_rewrite_in_progress)" != 0 ] || [ "$(info aof_rewrite_scheduled)" != 0 ]; do sleep 0.2; done
}
wait_rewrite
mv "$tmp" "$db/dump.rdb"
reply=$(${CLI} DEBUG RELOAD NOSAVE)
if [ "$reply" != OK ]; then echo "restore: loading the RDB failed: $reply" >&2; exit 1; fi
${CLI} BGREWRITEAOF >/dev/null
sleep 0.2
wait_rewrite
if [ "$(info aof_last_bgrewrite_status)" != ok ]; then echo "restore: the data was loaded but rewriting the AOF failed; see the server log" >&2; exit 1; fi
`;

const IMAGE = stackImage({
  type: 'redis',
  packages: ['redis-server'],
  prepare: [`rm -rf ${DATA}`, `install -d -o redis -g redis -m 0700 ${DATA}`],
  entrypoint: ENTRYPOINT,
  configs: { '/etc/redis/paas.conf': CONFIG },
  account: ACCOUNT,
});

const adminEnv = (c: Credentials) => ({ REDISCLI_AUTH: c.adminPassword });
const adminCli = (c: Credentials) => ({ argv: CLI.split(' '), env: adminEnv(c) });

/** Redis 7 from Debian, on the stack: AOF persistence, requirepass plus an ACL user for the login. */
export const redis: ServiceDefinition = {
  type: 'redis',
  paasKind: 'REDIS',
  dotcloudKind: 'REDIS',
  conventional: 'REDIS_URL',
  port: PORT,
  dataPath: DATA,
  image: () => IMAGE,
  user: `${ACCOUNT.id}:${ACCOUNT.id}`,
  capAdd: [],
  memoryBytes: 128 * MIB,
  credentialsVia: 'file',
  newCredentials: () => freshCredentials('paas', ''),
  containerEnv: initKeys,
  readiness: (c) => ({
    argv: sh(`[ "$(redis-cli -h 127.0.0.1 -p ${PORT} --user "$PAAS_LOGIN" --no-auth-warning PING)" = PONG ]`),
    env: { PAAS_LOGIN: c.login, REDISCLI_AUTH: c.password },
  }),
  // No user in the URL: every client sends AUTH <password>, which the default user takes (requirepass).
  url: (host, port, c) => serviceUrl('redis', { user: '', password: c.password }, host, port, '0'),
  shell: adminCli,
  namedShells: (c) => ({ 'redis-cli': adminCli(c) }),
  // The whole dataset as an RDB, streamed by the server (redis-cli --rdb -).
  backup: (c) => ({ argv: sh(`exec ${CLI} --rdb -`), env: adminEnv(c) }),
  restore: (c) => ({ argv: sh(RESTORE), env: adminEnv(c) }),
};
