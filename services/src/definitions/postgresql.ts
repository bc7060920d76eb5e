import { freshCredentials, initKeys } from '../credentials.js';
import { ENTRYPOINT_MAIN, RESTORE_INVALID_EXIT, entrypointPrelude, sh, stackImage } from '../recipe.js';
import type { Credentials, ServiceDefinition } from '../types.js';
import { serviceUrl } from '../url.js';

const DATA = '/var/lib/postgresql/data';
const BIN = '/usr/lib/postgresql/15/bin';
const PORT = 5432;
const MIB = 1024 * 1024;
/** The server's account, at a fixed id (see StackRecipe.account). */
const ACCOUNT = { name: 'postgres', id: 901, home: '/var/lib/postgresql' };

// Server settings sized for a 256 MiB container; passed on the command line so a
// new image changes them for existing volumes too.
const SERVER_SETTINGS = [
  'listen_addresses=*',
  `port=${PORT}`,
  'max_connections=100',
  'shared_buffers=32MB',
  'effective_cache_size=128MB',
  'maintenance_work_mem=16MB',
  'work_mem=2MB',
  'logging_collector=off',
  'log_destination=stderr',
];

function entrypoint(postgis: boolean): string {
  return `${entrypointPrelude(DATA, ['PAAS_SERVICE_LOGIN', 'PAAS_SERVICE_PASSWORD', 'PAAS_SERVICE_DATABASE', 'PAAS_SERVICE_ADMIN_PASSWORD'])}
PGDATA="$DATA/pgdata"
initialise() {
  rm -rf "$PGDATA"
  pwfile=$(mktemp)
  printf '%s\\n' "$PAAS_SERVICE_ADMIN_PASSWORD" >"$pwfile"
  ${BIN}/initdb -D "$PGDATA" -U postgres --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 >&2
  rm -f "$pwfile"
  # The admin on the local socket by peer (the container's postgres user); everyone else by password.
  printf 'local all all peer\\nhost all all all scram-sha-256\\n' >"$PGDATA/pg_hba.conf"
  ${BIN}/pg_ctl -D "$PGDATA" -w -t 120 -o "-c listen_addresses=''" start >&2
  psql -X -q -v ON_ERROR_STOP=1 -d postgres >&2 <<SQL
CREATE ROLE "$PAAS_SERVICE_LOGIN" LOGIN CREATEDB PASSWORD '$PAAS_SERVICE_PASSWORD';
CREATE DATABASE "$PAAS_SERVICE_DATABASE" OWNER "$PAAS_SERVICE_LOGIN";
SQL
${postgis ? `  psql -X -q -v ON_ERROR_STOP=1 -d "$PAAS_SERVICE_DATABASE" -c 'CREATE EXTENSION postgis' >&2\n` : ''}  ${BIN}/pg_ctl -D "$PGDATA" -w -t 120 -m fast stop >&2
}
run() {
  exec ${BIN}/postgres -D "$PGDATA" ${SERVER_SETTINGS.map((s) => `-c '${s}'`).join(' ')}
}
${ENTRYPOINT_MAIN}`;
}

// Reads the archive to a file first: pg_restore lists it (which also proves it
// is an archive) and then restores it in one transaction, so a failure changes
// nothing. Extensions the database already has (postgis, created at
// initialisation) are left out, and so are the rows of their config tables
// (user-added spatial_ref_sys rows): --clean would drop them, and everything
// built on them, in the middle of the restore.
const RESTORE = `set -eu
tmp=$(mktemp "${DATA}/restore.XXXXXX")
trap 'rm -f "$tmp" "$tmp.list"' EXIT
cat >"$tmp"
if ! pg_restore -l "$tmp" >"$tmp.list" 2>/dev/null; then
  echo "restore: the input is not a pg_dump custom-format archive (paas backup of postgresql); nothing was changed" >&2
  exit ${RESTORE_INVALID_EXIT}
fi
skip() {
  grep -v -E "^[0-9]+; [0-9]+ [0-9]+ $1 " "$tmp.list" >"$tmp.list.new" || true
  mv "$tmp.list.new" "$tmp.list"
}
for ext in $(psql -X -A -t -d "$PAAS_DATABASE" -c 'SELECT extname FROM pg_extension'); do
  skip "(EXTENSION - $ext|COMMENT - EXTENSION $ext)"
done
psql -X -A -t -F ' ' -d "$PAAS_DATABASE" -c 'SELECT n.nspname, c.relname FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid JOIN pg_namespace n ON n.oid = c.relnamespace' |
while read -r schema table; do skip "TABLE DATA $schema $table"; done
# As the superuser, owners kept: the app's login is always the same name, so
# what it owned it owns again, and what the admin made (paas run db) the
# restore can still drop and recreate.
exec pg_restore --clean --if-exists --single-transaction --exit-on-error \\
  -L "$tmp.list" -d "$PAAS_DATABASE" "$tmp"
`;

function definition(type: 'postgresql' | 'postgis'): ServiceDefinition {
  const postgis = type === 'postgis';
  const image = stackImage({
    type,
    packages: postgis ? ['postgresql-15', 'postgresql-15-postgis-3'] : ['postgresql-15'],
    prepare: [
      // The package's own cluster is not used: the entrypoint makes one on the volume.
      'rm -rf /etc/postgresql/15 /var/lib/postgresql/15',
      `install -d -o postgres -g postgres -m 0700 ${DATA}`,
      'install -d -o postgres -g postgres -m 2775 /var/run/postgresql',
    ],
    entrypoint: entrypoint(postgis),
    account: ACCOUNT,
    // SIGTERM waits for every client to leave; SIGINT is PostgreSQL's fast, clean shutdown.
    stopSignal: 'SIGINT',
  });
  const appEnv = (c: Credentials): Record<string, string> => ({ PAAS_LOGIN: c.login, PAAS_DATABASE: c.database });
  const psql = (c: Credentials) => ({ argv: ['psql', '-d', c.database] });
  return {
    type,
    paasKind: 'POSTGRESQL',
    dotcloudKind: 'SQL',
    conventional: 'DATABASE_URL',
    port: PORT,
    dataPath: DATA,
    image: () => image,
    user: `${ACCOUNT.id}:${ACCOUNT.id}`,
    capAdd: [],
    memoryBytes: 256 * MIB,
    credentialsVia: 'file',
    newCredentials: () => freshCredentials('paas', 'app'),
    containerEnv: initKeys,
    readiness: (c) => ({
      argv: ['psql', '-X', '-q', '-h', '127.0.0.1', '-p', String(PORT), '-U', c.login, '-d', c.database, '-c', 'SELECT 1'],
      env: { PGPASSWORD: c.password, PGCONNECT_TIMEOUT: '5' },
    }),
    url: (host, port, c) => serviceUrl('postgresql', { user: c.login, password: c.password }, host, port, c.database),
    // The superuser by peer authentication on the local socket: no password needed.
    shell: psql,
    namedShells: (c) => ({ psql: psql(c) }),
    // The app's database only, as the superuser; roles are not included (the login is recreated with new credentials).
    backup: (c) => ({ argv: ['pg_dump', '-Fc', '-d', c.database] }),
    restore: (c) => ({ argv: sh(RESTORE), env: appEnv(c) }),
  };
}

/** PostgreSQL 15 from Debian, on the stack. */
export const postgresql = definition('postgresql');
/** PostgreSQL 15 with PostGIS 3, the extension created in the app's database at initialisation. */
export const postgis = definition('postgis');
