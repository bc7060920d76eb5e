#!/usr/bin/env bash
# The server path of infra/install.sh --server: from a fresh Debian 12 server
# to the platform running under systemd, apps at http(s)://<app>.DOMAIN.
# Idempotent: a re-run from a newer checkout is the upgrade (docs/operating.md).
#   infra/install.sh --server --domain apps.example.com
#   infra/install.sh --server --dry-run [--domain D]   what it would do; changes nothing
#   PAAS_NODE_VERSION   Node.js fetched from the npm registry when no node >= 20.18
#                       is installed (default 20.20.2, with npm PAAS_NPM_VERSION, default 11)
#   PAAS_INSTALL_STEPS  only these of the steps, which always run in this order:
#                       engine node platform user config units start
#
# What goes where:
#   /opt/paas/node             Node.js (a link to a system node >= 20.18, or fetched)
#   /opt/paas/releases/<time>  a built copy of the checkout; /opt/paas/current -> the live one
#   /etc/paas/paas.env         settings of both units (0640 root:paas), written once
#   /var/lib/paas              PAAS_HOME of the user paas (0700): store, route table, tokens
#   /etc/systemd/system/paas-{router,api}.service
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
OPT=/opt/paas
NODE=$OPT/node/bin/node
ETC=/etc/paas
ENV_FILE=$ETC/paas.env
STATE=/var/lib/paas
UNIT_DIR=/etc/systemd/system
BUILD_LOG=/var/log/paas-install.log
NODE_VERSION=${PAAS_NODE_VERSION:-20.20.2}
NPM_VERSION=${PAAS_NPM_VERSION:-11}
KEEP_RELEASES=3
ALL_STEPS="engine node platform user config units start"

step() { echo "-----> $*"; }
detail() { echo "       $*"; }
warn() { echo " !     $*" >&2; }
die() { echo " !     $*" >&2; exit 1; }

dry_run=0; domain=""
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) dry_run=1 ;;
    --domain) [ $# -ge 2 ] || die "--domain needs a value"; domain=$2; shift ;;
    --domain=*) domain=${1#*=} ;;
    *) die "unknown option $1 (infra/install.sh --help)" ;;
  esac
  shift
done

steps=${PAAS_INSTALL_STEPS:-$ALL_STEPS}
for s in $steps; do
  case " $ALL_STEPS " in *" $s "*) ;; *) die "PAAS_INSTALL_STEPS: unknown step $s (steps: $ALL_STEPS)" ;; esac
done
wants() { case " $steps " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# In a dry run every change is printed instead of made.
run() {
  if [ "$dry_run" = 1 ]; then detail "would run: $(printf '%q ' "$@")"; else "$@"; fi
}
systemd_runs() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }

# --- what the settings say ---------------------------------------------------
# A value of the env file as systemd reads it (KEY=VALUE, optional quotes).
env_get() {
  [ -r "$ENV_FILE" ] || return 0
  sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\1/"
}
# Settings this user may not read (a dry run as another user than root).
env_hidden() { { [ -e "$ENV_FILE" ] && [ ! -r "$ENV_FILE" ]; } || { [ -d "$ETC" ] && [ ! -x "$ETC" ]; }; }
valid_domain() {
  [[ $1 =~ ^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]] && [ ${#1} -le 253 ]
}

domain=$(printf '%s' "$domain" | tr 'A-Z' 'a-z')
kept_domain=$(env_get PAAS_DOMAIN)
if [ -n "$kept_domain" ]; then
  if [ -n "$domain" ] && [ "$domain" != "$kept_domain" ]; then
    die "$ENV_FILE already has PAAS_DOMAIN=$kept_domain; to move the platform, edit it there and re-run without --domain"
  fi
  domain=$kept_domain
elif [ -z "$domain" ] && wants config && ! env_hidden; then
  if [ "$dry_run" = 0 ] && [ -t 0 ]; then
    read -r -p "Domain of the apps (a wildcard DNS record *.DOMAIN points at this server): " domain
    domain=$(printf '%s' "$domain" | tr 'A-Z' 'a-z')
  fi
  [ -n "$domain" ] || die "--domain DOMAIN is required: apps answer at <app>.DOMAIN (e.g. --domain apps.example.com)"
fi
if [ -n "$domain" ] && ! valid_domain "$domain"; then
  die "--domain $domain is not a DNS name like apps.example.com"
fi

if [ "$dry_run" = 1 ]; then
  step "Dry run: nothing is changed (steps: $steps)"
else
  [ "$(id -u)" = 0 ] || die "the server path installs system services: run it as root (sudo infra/install.sh --server …)"
  if wants start && ! systemd_runs; then
    die "systemd is not running as PID 1 here (a container?): the server path needs it; on a laptop, paas server start runs the platform"
  fi
  if [ -r /etc/debian_version ]; then
    case $(cat /etc/debian_version) in 12*|bookworm*) ;; *) warn "made for Debian 12; this is Debian $(cat /etc/debian_version)" ;; esac
  fi
fi

apt_updated=0
apt_install() {
  if [ "$dry_run" = 1 ]; then detail "would run: apt-get install $*"; return; fi
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  detail "installing $*"
  env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- engine: Docker Engine and the base image, as without --server ----------
step_engine() {
  step "Docker Engine and the base image"
  run bash "$src/infra/install.sh"
  # The engine comes back with the machine, and the apps with it.
  if [ "$dry_run" = 1 ] || systemd_runs; then run systemctl enable --quiet docker; fi
}

# --- node: a Node.js >= 20.18 at /opt/paas/node -------------------------------
node_ok() {
  [ -x "$1" ] && "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=18)?0:1)' >/dev/null 2>&1
}
step_node() {
  if node_ok "$NODE"; then step "Node.js $("$NODE" --version) at $OPT/node"; return; fi
  local sys; sys=$(command -v node || true)
  if [ -n "$sys" ] && node_ok "$sys" && command -v npm >/dev/null 2>&1; then
    step "Node.js $("$sys" --version) of this system ($sys), linked at $OPT/node"
    run install -d -m 0755 "$OPT" "$OPT/node" "$OPT/node/bin"
    run ln -sfn "$(readlink -f "$sys")" "$NODE"
    return
  fi
  # Debian 12's nodejs is 18; the npm registry carries Node.js builds as packages.
  local arch
  case $(uname -m) in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) die "no Node.js build for $(uname -m) in the npm registry: install Node.js >= 20.18 and re-run" ;; esac
  step "Node.js $NODE_VERSION (node-linux-$arch) and npm $NPM_VERSION from the npm registry into $OPT/node"
  command -v npm >/dev/null 2>&1 || apt_install npm
  if [ "$dry_run" = 1 ]; then
    detail "would run: npm pack node-linux-$arch@$NODE_VERSION npm@$NPM_VERSION, unpacked as $OPT/node/{bin/node,lib/node_modules/npm}"
    return
  fi
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null) || { rm -rf "$tmp"; die "npm pack of Node.js failed"; }
  mkdir -p "$tmp/node/lib/node_modules/npm"
  tar -xzf "$tmp"/node-linux-"$arch"-*.tgz -C "$tmp/node" --strip-components=1
  tar -xzf "$tmp"/npm-*.tgz -C "$tmp/node/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$tmp/node/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$tmp/node/bin/npx"
  node_ok "$tmp/node/bin/node" || { rm -rf "$tmp"; die "the fetched Node.js does not run here"; }
  install -d -m 0755 "$OPT"
  rm -rf "$OPT/node"
  mv "$tmp/node" "$OPT/node"
  chmod -R go-w,a+rX "$OPT/node"
  rm -rf "$tmp"
}

# --- platform: a built copy of this checkout, made current ---------------------
# The files of the checkout: what git tracks or would track, else all but build output.
copy_source() {
  # A checkout cloned by another user than root is still read as one.
  local git=(git -c "safe.directory=$src" -C "$src")
  if "${git[@]}" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    "${git[@]}" ls-files -z --cached --others --exclude-standard \
      | while IFS= read -r -d '' f; do [ -e "$src/$f" ] && printf '%s\0' "$f"; done \
      | tar -C "$src" --null -T - -cf - | tar -C "$1" --no-same-owner -xf -
  else
    tar -C "$src" --exclude=.git --exclude=node_modules --exclude=.turbo --exclude=.test-results \
      --exclude='./apps/*/dist' --exclude='./packages/*/dist' --exclude=./builders/dist --exclude=./services/dist \
      -cf - . | tar -C "$1" --no-same-owner -xf -
  fi
}
step_platform() {
  local name rel
  name=$(date -u +%Y%m%dT%H%M%SZ)
  rel=$OPT/releases/$name
  step "Building paas from $src into $rel (log $BUILD_LOG)"
  if [ "$dry_run" = 1 ]; then
    detail "would copy the checkout's files (no node_modules, no build output) to $rel"
    detail "would run: npm install --no-audit --no-fund && npm run build (in $rel, with $OPT/node/bin first on PATH)"
    detail "would point $OPT/current at releases/$name and keep the last $KEEP_RELEASES releases"
    return
  fi
  install -d -m 0755 "$OPT" "$OPT/releases"
  rm -rf "$rel.partial"
  mkdir "$rel.partial"
  copy_source "$rel.partial"
  # npm install honours the locked versions (npm ci refuses this lockfile's optional platform packages).
  if ! (cd "$rel.partial" && export PATH="$OPT/node/bin:$PATH" && npm install --no-audit --no-fund && npm run build) >"$BUILD_LOG" 2>&1; then
    tail -n 20 "$BUILD_LOG" | sed 's/^/       | /' >&2
    rm -rf "$rel.partial"
    die "building paas failed (the running platform is unchanged); see $BUILD_LOG"
  fi
  # Root's, read-only to paas: the service user cannot change the code it runs.
  chown -R root:root "$rel.partial"
  chmod -R go-w,a+rX "$rel.partial"
  mv "$rel.partial" "$rel"
  ln -sfn "releases/$name" "$OPT/current.next"
  mv -T "$OPT/current.next" "$OPT/current"
  detail "$OPT/current -> releases/$name"
  # Older releases go, but a few stay for a manual rollback (docs/operating.md).
  local old
  for old in $(ls -1d "$OPT"/releases/*Z/ 2>/dev/null | sed 's#/$##' | sort -r | tail -n +$((KEEP_RELEASES + 1))); do
    rm -rf "$old"
  done
}

# --- user: the system user paas and its directories ----------------------------
step_user() {
  step "User paas, $STATE (0700) and $ETC"
  getent group paas >/dev/null 2>&1 || run groupadd --system paas
  id -u paas >/dev/null 2>&1 || run useradd --system --gid paas --home-dir "$STATE" --no-create-home \
    --shell /usr/sbin/nologin --comment "paas platform" paas
  # The API gets the docker group from its unit alone (SupplementaryGroups):
  # in the group for good, paas would give the engine to the router too.
  run install -d -m 0700 -o paas -g paas "$STATE"
  run install -d -m 0750 -o root -g paas "$ETC"
}

# --- config: /etc/paas/paas.env, written once ----------------------------------
new_token() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
# Keys the units need, with the server's values; a re-run adds only missing ones.
required_keys() {
  cat <<KEYS
PAAS_HOME=$STATE
PAAS_DOMAIN=$domain
PAAS_API_HOST=127.0.0.1
PAAS_API_PORT=7700
PAAS_ROUTER_HOST=0.0.0.0
PAAS_ROUTER_PORT=80
PAAS_ROUTER_TLS_PORT=443
PAAS_ROUTER_CONTROL_PORT=8079
PAAS_ROUTER_TOKEN=@token@
KEYS
}
env_file_text() {
  cat <<HEAD
# $ENV_FILE: read by paas-router.service and paas-api.service.
# Written once by infra/install.sh --server (a re-run adds missing keys only);
# yours to edit, then: systemctl restart paas-api paas-router
# Every setting: docs/operating.md ("Settings").
HEAD
  required_keys
  cat <<'TAIL'
# HTTPS (docs/operating.md): a certificate of yours for *.PAAS_DOMAIN (files
# readable by the group paas), else a self-signed one is generated …
# PAAS_TLS_CERT_FILE=/etc/paas/tls/wildcard.crt
# PAAS_TLS_KEY_FILE=/etc/paas/tls/wildcard.key
# … and certificates of custom domains from an ACME CA (HTTP-01 on port 80;
# Let's Encrypt unless PAAS_ACME_DIRECTORY names another):
# PAAS_ACME_EMAIL=ops@example.com
# The store in a Postgres of yours instead of PGlite under PAAS_HOME:
# DATABASE_URL=postgres://paas:secret@127.0.0.1:5432/paas
# Builds behind a TLS-inspecting proxy:
# PAAS_BUILD_CA_FILE=/etc/ssl/certs/ca-certificates.crt
TAIL
}
step_config() {
  if env_hidden; then
    step "$ENV_FILE is not readable by this user: run as root to see what would change"
    return
  elif [ -e "$ENV_FILE" ]; then
    step "Keeping $ENV_FILE (PAAS_DOMAIN=$domain)"
    local line key added=()
    while IFS= read -r line; do
      key=${line%%=*}
      if ! grep -q "^$key=" "$ENV_FILE" 2>/dev/null; then added+=("$key"); fi
    done < <(required_keys)
    if [ ${#added[@]} -gt 0 ]; then
      detail "adding what it lacks: ${added[*]}"
      if [ "$dry_run" = 0 ]; then
        { echo "# added by infra/install.sh --server on $(date -u +%Y-%m-%d)"
          for key in "${added[@]}"; do required_keys | grep "^$key=" | sed "s/@token@/$(new_token)/"; done
        } >>"$ENV_FILE"
      fi
    fi
  else
    step "Writing $ENV_FILE (0640 root:paas) with a new router token"
    if [ "$dry_run" = 1 ]; then
      env_file_text | sed 's/@token@/<64 hex digits, generated>/' | sed 's/^/       | /'
      return
    fi
    local tmp
    tmp=$(mktemp "$ETC/.paas.env.XXXXXX")
    env_file_text | sed "s/@token@/$(new_token)/" >"$tmp"
    chown root:paas "$tmp"
    chmod 0640 "$tmp"
    mv "$tmp" "$ENV_FILE"
  fi
  run chown root:paas "$ENV_FILE"
  run chmod 0640 "$ENV_FILE"
}

# --- units ---------------------------------------------------------------------
step_units() {
  step "Units paas-router.service, paas-api.service, paas-build-guard.service and paas-builds.slice in $UNIT_DIR"
  local u
  for u in paas-router.service paas-api.service paas-build-guard.service paas-builds.slice; do
    run install -m 0644 "$src/infra/systemd/$u" "$UNIT_DIR/$u"
  done
  if [ "$dry_run" = 1 ] || systemd_runs; then
    run systemctl daemon-reload
    run systemctl enable --quiet paas-build-guard.service paas-router.service paas-api.service
  else
    detail "systemd is not running here: installed, not enabled"
  fi
}

# --- start: the API first, then the router only when what it runs changed ------
wait_for() {
  local what=$1 unit=$2 check=$3 deadline=$((SECONDS + $4))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if "$NODE" -e "$check" >/dev/null 2>&1; then return 0; fi
    if ! systemctl is-active --quiet "$unit"; then break; fi
    sleep 0.5
  done
  journalctl -u "$unit" -n 20 --no-pager 2>/dev/null | sed 's/^/       | /' >&2 || true
  die "the $what did not come up; journalctl -u $unit tells more"
}
api_up() {
  wait_for API paas-api.service \
    "fetch('http://127.0.0.1:$(env_get PAAS_API_PORT)/v1/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" 120
}
router_up() {
  local host; host=$(env_get PAAS_ROUTER_HOST)
  case $host in ''|0.0.0.0|::) host=127.0.0.1 ;; esac
  wait_for router paas-router.service \
    "require('net').connect($(env_get PAAS_ROUTER_PORT), '$host').on('connect', () => process.exit(0)).on('error', () => process.exit(1))" 30
}
# What the router process runs: its code, the node, its unit and its settings.
router_fingerprint() {
  { "$NODE" --version
    find -L "$OPT/current/apps/router/dist" "$OPT/current/packages/core/dist" -type f -print0 | sort -z | xargs -0 sha256sum
    cat "$UNIT_DIR/paas-router.service" "$ENV_FILE"
  } | sha256sum | cut -d' ' -f1
}
step_start() {
  step "Starting paas-api, then paas-router"
  if [ "$dry_run" = 1 ]; then
    detail "would run: systemctl restart paas-api (start on a first install) and wait for its /v1/health"
    detail "would run: systemctl restart paas-router only when its code, node, unit or settings changed (start on a first install)"
    return
  fi
  local had_token=0 print
  [ -s "$STATE/admin.token" ] && had_token=1
  if ! systemctl is-active --quiet paas-router; then
    # First install (or stopped): the router first, so the API finds it.
    systemctl start paas-router
    router_up
    router_fingerprint >"$OPT/.router-running"
    detail "router up on :$(env_get PAAS_ROUTER_PORT) and :$(env_get PAAS_ROUTER_TLS_PORT)"
  fi
  if systemctl is-active --quiet paas-api; then systemctl restart paas-api; else systemctl start paas-api; fi
  api_up
  detail "API up on 127.0.0.1:$(env_get PAAS_API_PORT)"
  print=$(router_fingerprint)
  if [ "$print" != "$(cat "$OPT/.router-running" 2>/dev/null)" ]; then
    # It keeps its route table (routes.json) across the restart.
    systemctl restart paas-router
    router_up
    echo "$print" >"$OPT/.router-running"
    detail "router restarted: what it runs changed"
  fi

  # The CLI on the server too (/usr/local/bin/paas).
  PAAS_BIN_DIR=/usr/local/bin PATH="$OPT/node/bin:$PATH" bash "$OPT/current/infra/install-launcher.sh" >/dev/null \
    || warn "no paas launcher in /usr/local/bin (see above)"

  local port token host
  port=$(env_get PAAS_API_PORT)
  host=$(hostname -f 2>/dev/null || hostname)
  step "paas is up: apps at http://<app>.$domain and https://<app>.$domain"
  if [ "$had_token" = 0 ] && [ -t 1 ]; then
    token=$(cat "$STATE/admin.token")
    detail "The admin's token, shown this once (also in $STATE/admin.token, root only):"
    detail "  $token"
  else
    token='$(ssh root@'"$host"' cat '"$STATE"'/admin.token)'
    detail "The admin's token is in $STATE/admin.token (root only)."
  fi
  detail "The API listens on this server's loopback; from your laptop, through SSH:"
  detail "  ssh -N -L 7710:127.0.0.1:$port root@$host &"
  detail "  paas login --api http://127.0.0.1:7710 --token $token"
}

for s in $ALL_STEPS; do
  if wants "$s"; then "step_$s"; fi
done
