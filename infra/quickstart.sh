#!/usr/bin/env bash
# From a fresh Debian machine to a live app: installs Docker and the base
# image, builds paas, starts the platform and deploys examples/python-hello.
#   infra/quickstart.sh [APP_NAME]     (default: hello)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash infra/install.sh
[ -d node_modules ] || npm install --no-audit --no-fund
npm run build >/dev/null
# `paas` on the PATH, so the README's tour works as typed after this script.
launcher=$(bash infra/install-launcher.sh)
echo "-----> paas installed as $launcher"
paas() { "$launcher" "$@"; }
paas server start
app=${1:-hello}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/python-hello/. "$work"
cd "$work"
paas info -a "$app" >/dev/null 2>&1 || paas create "$app"
paas push -a "$app"
url=$(paas url -a "$app")
echo
echo "\$ curl $url"
curl -fsS "$url"
