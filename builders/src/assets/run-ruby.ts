import { CURRENT_DIR } from '../layout.js';

/**
 * The default process of ruby services: config.ru under Debian's puma on
 * $PORT. Through `bundle exec` when the Gemfile.lock has its own puma (the
 * app picked a version), else Debian's, which sees the bundle's gems through
 * GEM_HOME as well as Debian's ruby-* packages.
 */
export const RUN_RUBY_SH = String.raw`#!/bin/sh
# paas: config.ru served by puma on 0.0.0.0:$PORT.
set -eu
cd ${CURRENT_DIR}
port="${'$'}{PORT:-8080}"
case "$port" in
  ''|*[!0-9]*) echo "paas: PORT must be a number, got '$port'" >&2; exit 1 ;;
esac
env="${'$'}{RACK_ENV:-production}"
if [ -f Gemfile.lock ] && grep -q '^    puma ' Gemfile.lock; then
  exec bundle exec puma --bind "tcp://0.0.0.0:$port" --environment "$env" config.ru
fi
exec puma --bind "tcp://0.0.0.0:$port" --environment "$env" config.ru
`;
