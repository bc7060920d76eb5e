import { freshCredentials, initKeys } from '../credentials.js';
import { ENTRYPOINT_MAIN, RESTORE_INVALID_EXIT, entrypointPrelude, sh, stackImage } from '../recipe.js';
import type { ServiceDefinition } from '../types.js';
import { serviceUrl } from '../url.js';

const DATA = '/var/lib/mysql';
const PORT = 3306;
const SOCKET = '/run/mysqld/mysqld.sock';
const MIB = 1024 * 1024;
/** The server's account, at a fixed id (see StackRecipe.account). */
const ACCOUNT = { name: 'mysql', id: 902, home: '/nonexistent' };

// Sized for a 512 MiB container. Later files in mariadb.conf.d win over Debian's 50-server.cnf.
const CONFIG = `[mysqld]
datadir = ${DATA}/db
socket = ${SOCKET}
bind-address = 0.0.0.0
port = ${PORT}
skip-name-resolve
innodb_buffer_pool_size = 64M
innodb_log_file_size = 32M
key_buffer_size = 8M
max_connections = 100
performance_schema = OFF
tmp_table_size = 16M
max_heap_table_size = 16M

[client-server]
socket = ${SOCKET}
`;

const ENTRYPOINT = `${entrypointPrelude(DATA, ['PAAS_SERVICE_LOGIN', 'PAAS_SERVICE_PASSWORD', 'PAAS_SERVICE_DATABASE', 'PAAS_SERVICE_ADMIN_PASSWORD'])}
DB="$DATA/db"
initialise() {
  rm -rf "$DB"
  mariadb-install-db --datadir="$DB" --skip-test-db --auth-root-authentication-method=normal >&2
  mariadbd --datadir="$DB" --skip-networking >&2 &
  pid=$!
  tries=0
  until mariadb-admin -uroot ping >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 120 ] || ! kill -0 "$pid" 2>/dev/null; then say "the server did not start for initialisation"; exit 1; fi
    sleep 0.5
  done
  # Only root@localhost (the socket) stays of the install's accounts: the others have no password.
  mariadb -uroot >&2 <<SQL
DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost');
FLUSH PRIVILEGES;
ALTER USER root@localhost IDENTIFIED BY '$PAAS_SERVICE_ADMIN_PASSWORD';
CREATE DATABASE \\\`$PAAS_SERVICE_DATABASE\\\`;
CREATE USER '$PAAS_SERVICE_LOGIN'@'%' IDENTIFIED BY '$PAAS_SERVICE_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$PAAS_SERVICE_LOGIN'@'%' WITH GRANT OPTION;
SQL
  MYSQL_PWD="$PAAS_SERVICE_ADMIN_PASSWORD" mariadb-admin -uroot shutdown
  wait "$pid"
}
run() {
  exec mariadbd
}
${ENTRYPOINT_MAIN}`;

const SYSTEM_SCHEMAS = "'mysql','information_schema','performance_schema','sys'";

// Every database but the system ones (the app's login may create more), so the
// server's users, and with them the new credentials, are never overwritten.
const BACKUP = `set -eu
dbs=$(mariadb -uroot -N -B -e "SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN (${SYSTEM_SCHEMAS}) ORDER BY 1")
if [ -z "$dbs" ]; then echo "backup: there is no database to back up" >&2; exit 1; fi
IFS='
'
exec mariadb-dump -uroot --single-transaction --routines --events --triggers --hex-blob --databases $dbs
`;

// A dump is loaded only when it is complete: mariadb-dump starts it with its
// name (after the sandbox-mode line of recent versions) and ends it with
// "-- Dump completed", so random bytes and a truncated
// file are refused before anything runs. A failure while loading a complete
// dump can leave it partly applied: MariaDB cannot roll back DDL.
const RESTORE = `set -eu
tmp=$(mktemp "${DATA}/restore.XXXXXX")
trap 'rm -f "$tmp"' EXIT
cat >"$tmp"
if ! head -n 3 "$tmp" | grep -q -E '^-- (MariaDB|MySQL) dump' || ! tail -n 1 "$tmp" | grep -q '^-- Dump completed'; then
  echo "restore: the input is not a complete mysqldump/mariadb-dump file (paas backup of mysql); nothing was changed" >&2
  exit ${RESTORE_INVALID_EXIT}
fi
exec mariadb -uroot <"$tmp"
`;

const IMAGE = stackImage({
  type: 'mysql',
  packages: ['mariadb-server', 'mariadb-client'],
  prepare: [
    // The package initialised a database at install: the entrypoint makes its own on the volume.
    `rm -rf ${DATA}`,
    `install -d -o mysql -g mysql -m 0700 ${DATA}`,
    'install -d -o mysql -g mysql -m 0755 /run/mysqld',
  ],
  entrypoint: ENTRYPOINT,
  configs: { '/etc/mysql/mariadb.conf.d/90-paas.cnf': CONFIG },
  account: ACCOUNT,
});

/** MariaDB 10.11 from Debian (the mysql type), on the stack. */
export const mysql: ServiceDefinition = {
  type: 'mysql',
  paasKind: 'MYSQL',
  dotcloudKind: 'MYSQL',
  conventional: 'DATABASE_URL',
  port: PORT,
  dataPath: DATA,
  image: () => IMAGE,
  user: `${ACCOUNT.id}:${ACCOUNT.id}`,
  capAdd: [],
  memoryBytes: 512 * MIB,
  credentialsVia: 'file',
  newCredentials: () => freshCredentials('paas', 'app'),
  containerEnv: initKeys,
  readiness: (c) => ({
    argv: ['mariadb', '-h', '127.0.0.1', '-P', String(PORT), '-u', c.login, '--connect-timeout=5', '-e', 'SELECT 1'],
    env: { MYSQL_PWD: c.password },
  }),
  url: (host, port, c) => serviceUrl('mysql', { user: c.login, password: c.password }, host, port, c.database),
  shell: (c) => rootClient(c),
  namedShells: (c) => ({ mysql: rootClient(c), mariadb: rootClient(c) }),
  backup: (c) => ({ argv: sh(BACKUP), env: { MYSQL_PWD: c.adminPassword } }),
  restore: (c) => ({ argv: sh(RESTORE), env: { MYSQL_PWD: c.adminPassword } }),
};


function rootClient(c: { adminPassword: string; database: string }) {
  return { argv: ['mariadb', '-uroot', `--database=${c.database}`], env: { MYSQL_PWD: c.adminPassword } };
}
