import { freshCredentials, initKeys } from '../credentials.js';
import { INIT_ENV_DIR, INIT_MARKER, RESTORE_INVALID_EXIT, entrypointPrelude, sh, stackImage } from '../recipe.js';
import type { Credentials, ServiceDefinition } from '../types.js';
import { serviceUrl } from '../url.js';

const DATA = '/var/lib/rabbitmq';
const PORT = 5672;
const MIB = 1024 * 1024;
/** The server's account, at a fixed id (see StackRecipe.account). */
const ACCOUNT = { name: 'rabbitmq', id: 904, home: '/var/lib/rabbitmq' };
/** Written by the entrypoint at every start (memory from the container's limit); holds the first user only until initialised. */
const RUNTIME_CONF = `${INIT_ENV_DIR}/rabbitmq.conf`;

// A fixed node name keeps the node's data (mnesia/rabbit@localhost) valid in a new
// container on the same volume, whatever the container's host name. The Erlang
// cookie is $HOME/.erlang.cookie: on the volume, so rabbitmqctl keeps working too.
const ENV_CONF = `NODENAME=rabbit@localhost
CONFIG_FILE=${RUNTIME_CONF}
LOGS=-
`;

// RabbitMQ has no offline way to add users: on the first start the config names
// the first user, vhost and permissions (default_user…), which replace guest.
// The marker is written once the node has started with them; until then a
// restart starts over from an empty mnesia directory.
const ENTRYPOINT = `${entrypointPrelude(DATA, ['PAAS_SERVICE_LOGIN', 'PAAS_SERVICE_PASSWORD', 'PAAS_SERVICE_DATABASE', 'PAAS_SERVICE_ADMIN_PASSWORD'])}
write_config() {
  umask 077
  limit=$(memory_limit)
  {
    echo "listeners.tcp.default = ${PORT}"
    echo "log.console = true"
    echo "log.file = false"
    echo "vm_memory_high_watermark.relative = 0.5"
    if [ -n "$limit" ]; then echo "total_memory_available_override_value = $limit"; fi
    if [ "$1" = first ]; then
      echo "default_user = $PAAS_SERVICE_LOGIN"
      echo "default_pass = $PAAS_SERVICE_PASSWORD"
      echo "default_vhost = $PAAS_SERVICE_DATABASE"
      echo "default_user_tags.administrator = true"
      echo "default_permissions.configure = .*"
      echo "default_permissions.read = .*"
      echo "default_permissions.write = .*"
    fi
  } >"${RUNTIME_CONF}.new"
  mv "${RUNTIME_CONF}.new" "${RUNTIME_CONF}"
}
mark_when_started() {
  tries=0
  until rabbitmqctl -q await_startup --timeout 5 >/dev/null 2>&1 && rabbitmqctl -q list_users 2>/dev/null | grep -q "^$PAAS_SERVICE_LOGIN[[:space:]]"; do
    tries=$((tries + 1))
    if [ "$tries" -gt 120 ]; then say "the node did not start with its first user; the next start initialises again"; return; fi
    sleep 1
  done
  sync
  touch "$MARKER"
  write_config later
  say "initialised"
}
if [ -e "$MARKER" ]; then
  say "data directory already initialised; starting"
  write_config later
else
  say "initialising the data directory"
  load_init_env
  rm -rf "$DATA/mnesia"
  write_config first
  mark_when_started &
fi
exec rabbitmq-server
`;

// Definitions only (users, vhosts, permissions, queues, exchanges, bindings,
// policies): messages are not in a paas backup of rabbitmq.
const BACKUP = `set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
rabbitmqctl -q export_definitions "$tmp" >&2
cat "$tmp"
`;

// The definitions replace or add; the current login then gets its current
// password, tags and permissions back, since the backup carries the old ones.
const RESTORE = `set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat >"$tmp"
first=$(tr -d ' \\t\\r\\n' <"$tmp" | head -c 1)
last=$(tr -d ' \\t\\r\\n' <"$tmp" | tail -c 1)
if [ "$first" != '{' ] || [ "$last" != '}' ]; then
  echo "restore: the input is not a JSON definitions export (paas backup of rabbitmq); nothing was changed" >&2
  exit ${RESTORE_INVALID_EXIT}
fi
rabbitmqctl -q import_definitions "$tmp" >&2
rabbitmqctl -q add_vhost "$PAAS_DATABASE" >/dev/null 2>&1 || true
printf '%s' "$PAAS_PASSWORD" | rabbitmqctl -q change_password "$PAAS_LOGIN" >&2
rabbitmqctl -q set_user_tags "$PAAS_LOGIN" administrator >&2
rabbitmqctl -q set_permissions -p "$PAAS_DATABASE" "$PAAS_LOGIN" '.*' '.*' '.*' >&2
rabbitmqctl -q delete_user guest >/dev/null 2>&1 || true
`;

const IMAGE = stackImage({
  type: 'rabbitmq',
  packages: ['rabbitmq-server'],
  prepare: [`rm -rf ${DATA} /etc/rabbitmq/rabbitmq-env.conf`, `install -d -o rabbitmq -g rabbitmq -m 0700 ${DATA}`],
  entrypoint: ENTRYPOINT,
  configs: { '/etc/rabbitmq/rabbitmq-env.conf': ENV_CONF },
  account: ACCOUNT,
});

const loginEnv = (c: Credentials) => ({ PAAS_LOGIN: c.login, PAAS_PASSWORD: c.password, PAAS_DATABASE: c.database });

/** RabbitMQ 3.10 from Debian, on the stack: the login owns the vhost named like the database; no guest. */
export const rabbitmq: ServiceDefinition = {
  type: 'rabbitmq',
  paasKind: 'AMQP',
  dotcloudKind: 'AMQP',
  conventional: 'AMQP_URL',
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
    // The login is known early in a boot; the AMQP listener is open only once
    // the whole app runs (check_running, then the port), and a vhost has its
    // durable queues back only once it runs (check_virtual_hosts).
    argv: sh(`[ -e ${DATA}/${INIT_MARKER} ] && rabbitmq-diagnostics -q check_running >/dev/null && rabbitmq-diagnostics -q check_virtual_hosts >/dev/null && rabbitmq-diagnostics -q check_port_listener ${PORT} >/dev/null && printf '%s' "$PAAS_PASSWORD" | rabbitmqctl -q authenticate_user "$PAAS_LOGIN" >/dev/null`),
    env: loginEnv(c),
  }),
  url: (host, port, c) => serviceUrl('amqp', { user: c.login, password: c.password }, host, port, c.database),
  // rabbitmqctl authenticates to the node with the Erlang cookie, not a password: the shell is bash beside it.
  shell: () => ({ argv: ['bash'] }),
  namedShells: () => ({ rabbitmqctl: { argv: ['rabbitmqctl'] }, 'rabbitmq-diagnostics': { argv: ['rabbitmq-diagnostics'] } }),
  backup: () => ({ argv: sh(BACKUP) }),
  restore: (c) => ({ argv: sh(RESTORE), env: loginEnv(c) }),
};
