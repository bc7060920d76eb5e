#!/usr/bin/env bash
# Makes a local PostgreSQL server ready for the store tests (Debian/Ubuntu).
# Idempotent: installs postgresql when missing, starts the cluster when it is
# not running, creates the test role when missing. Progress goes to stderr;
# stdout is only the export line, so CI can do:
#   eval "$(infra/test-postgres.sh)"
# The role is a superuser because each test suite creates and drops its own
# database. Its password is a fixed, local-only test credential.
set -euo pipefail

ROLE=paas
PASSWORD=paas
say() { echo "test-postgres: $*" >&2; }
die() { echo "test-postgres: error: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }

prepare() {
  if ! command -v pg_lsclusters >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    say "installing postgresql"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi

  # The first cluster (Debian creates "main" when the package is installed).
  read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters -h | head -n 1) || true
  if [ -z "${VERSION:-}" ]; then
    VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    say "creating cluster $VERSION main"
    as_root pg_createcluster "$VERSION" main
    read -r VERSION CLUSTER PORT STATUS _ < <(pg_lsclusters -h | head -n 1)
  fi
  if [ "$STATUS" != online ]; then
    say "starting cluster $VERSION $CLUSTER"
    # A server that was just killed may still hold its socket lock for a moment.
    local started=0
    for _ in 1 2 3 4 5; do
      if as_root pg_ctlcluster "$VERSION" "$CLUSTER" start; then started=1; break; fi
      sleep 2
    done
    [ "$started" = 1 ] || die "cluster $VERSION $CLUSTER did not start; see /var/log/postgresql/postgresql-$VERSION-$CLUSTER.log"
  fi

  for _ in $(seq 1 30); do
    as_postgres "psql -p $PORT -tAc 'SELECT 1'" >/dev/null 2>&1 && break
    sleep 1
  done
  as_postgres "psql -p $PORT -tAc 'SELECT 1'" >/dev/null 2>&1 || die "cluster $VERSION $CLUSTER does not answer on port $PORT"

  if [ "$(as_postgres "psql -p $PORT -tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'\"")" != 1 ]; then
    say "creating role $ROLE"
    as_postgres "psql -p $PORT -q -c \"CREATE ROLE $ROLE LOGIN SUPERUSER PASSWORD '$PASSWORD'\""
  fi
}

# Every tool's own output (pg_ctlcluster prints "Removed stale pid file." on
# stdout, for one) goes to stderr. stdout is not even open for them: the
# server started here inherits its descriptors and would otherwise keep
# "$(infra/test-postgres.sh)" waiting for ever.
prepare >&2
echo "export PAAS_TEST_DATABASE_URL=postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/postgres"
