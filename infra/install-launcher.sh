#!/usr/bin/env bash
# Puts a `paas` launcher for this checkout on the PATH: /usr/local/bin as
# root, ~/.local/bin otherwise (or PAAS_BIN_DIR). Prints the launcher's path.
#   infra/install-launcher.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${PAAS_BIN_DIR:-}" ]; then bindir=$PAAS_BIN_DIR
elif [ "$(id -u)" = 0 ]; then bindir=/usr/local/bin
else bindir=$HOME/.local/bin
fi
marker='# paas launcher (infra/install-launcher.sh)'
launcher=$bindir/paas
# Never replace a paas this script did not write.
if [ -e "$launcher" ] && ! grep -qxF "$marker" "$launcher" 2>/dev/null; then
  echo " !     $launcher exists and is not a paas launcher: left alone" >&2
  echo "       hint: remove it, or set PAAS_BIN_DIR to another directory on your PATH" >&2
  exit 1
fi
# The node that built paas, by absolute path: sudo and service shells may not have it on PATH.
node=$(command -v node)
mkdir -p "$bindir"
tmp=$(mktemp "$bindir/.paas.XXXXXX")
cat >"$tmp" <<LAUNCHER
#!/bin/sh
$marker
exec "$node" "$root/apps/cli/bin/paas.js" "\$@"
LAUNCHER
chmod 755 "$tmp"
mv -f "$tmp" "$launcher"
case ":$PATH:" in
  *":$bindir:"*) ;;
  *) echo " !     warning: $bindir is not on your PATH: add it (export PATH=\"$bindir:\$PATH\") to type paas" >&2 ;;
esac
echo "$launcher"
