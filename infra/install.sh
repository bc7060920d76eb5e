#!/usr/bin/env bash
# Installs what paas needs on a Debian machine and makes sure the base image
# exists. Idempotent: quiet when there is nothing to do, one line per action.
#   infra/install.sh                        Docker Engine and the base image (quickstart, CI)
#   infra/install.sh --server --domain D    a server: all that, then the platform under
#                                           systemd, apps at <app>.D (infra/install-server.sh)
#   infra/install.sh --server --dry-run …   prints what --server would do, changes nothing
#   PAAS_STACK_PULL   image to try pulling as the stack base (default debian:bookworm)
#   PAAS_DEBIAN_MIRROR  mirror for debootstrap (default: the one apt already uses)
set -euo pipefail

# --server hands over to the server path, which runs this script again without
# flags for the engine; without flags nothing below changes.
server=0; server_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --server) server=1 ;;
    --dry-run|--domain=*) server_args+=("$1") ;;
    --domain) [ $# -ge 2 ] || { echo "paas-install: error: --domain needs a value" >&2; exit 2; }
      server_args+=("$1" "$2"); shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "paas-install: error: unknown option $1 (infra/install.sh --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ "$server" = 1 ]; then exec bash "$(dirname "$0")/install-server.sh" ${server_args[@]+"${server_args[@]}"}; fi
if [ ${#server_args[@]} -gt 0 ]; then echo "paas-install: error: ${server_args[0]} goes with --server" >&2; exit 2; fi

STACK=paas/stack:bookworm
BASE=paas/stack-base:bookworm
say() { echo "paas-install: $*"; }
die() { echo "paas-install: error: $*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  say "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

missing=()
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v dockerd >/dev/null 2>&1 || [[ " ${missing[*]-} " == *" docker.io "* ]] || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# --- the engine -------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  if [ -n "${DOCKER_HOST:-}" ]; then
    die "no Docker Engine answers at DOCKER_HOST=$DOCKER_HOST; start it there, or unset DOCKER_HOST"
  fi
  # A dockerd that is still starting or shutting down gets time to settle first.
  for _ in $(seq 1 30); do pgrep -x dockerd >/dev/null 2>&1 || break; docker info >/dev/null 2>&1 && break; sleep 1; done
fi
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd"
  # A crashed dockerd leaves its pid file behind, and a new one refuses to start.
  pidfile=/var/run/docker.pid
  if [ -f "$pidfile" ] && ! kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null; then as_root rm -f "$pidfile"; fi
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    as_root systemctl start docker || true
  fi
  if ! docker info >/dev/null 2>&1; then
    as_root sh -c 'nohup dockerd >/var/log/paas-dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || die "dockerd did not start; see /var/log/paas-dockerd.log"
fi

# --- the stack image --------------------------------------------------------
debian_mirror() {
  if [ -n "${PAAS_DEBIAN_MIRROR:-}" ]; then echo "$PAAS_DEBIAN_MIRROR"; return; fi
  local m
  m=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
  [ -n "$m" ] || m=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  pull=${PAAS_STACK_PULL:-debian:bookworm}
  if timeout 30 docker pull -q "$pull" >/dev/null 2>&1; then
    say "pulled $pull as the stack base"
    docker tag "$pull" "$BASE"
  else
    mirror=$(debian_mirror)
    say "no registry answers; building the stack base with debootstrap from $mirror"
    root=$(mktemp -d /var/tmp/paas-stack.XXXXXX)
    trap 'as_root rm -rf "$root"' EXIT
    as_root debootstrap --variant=minbase bookworm "$root" "$mirror" >/var/tmp/paas-debootstrap.log 2>&1 \
      || die "debootstrap failed; see /var/tmp/paas-debootstrap.log"
    as_root rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    as_root tar -C "$root" -c . | docker import -c 'CMD ["/bin/bash"]' - "$BASE" >/dev/null
    as_root rm -rf "$root"; trap - EXIT
  fi
fi

# Bump when the recipe below changes: an older stack image is rebuilt.
STACK_REV=2
have_rev=$(docker image inspect -f '{{ index .Config.Labels "paas.stack.rev" }}' "$STACK" 2>/dev/null || true)
if [ "$have_rev" != "$STACK_REV" ]; then
  say "building $STACK"
  ctx=$(mktemp -d)
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM paas/stack-base:bookworm
ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
RUN useradd --uid 1000 --user-group --create-home --home-dir /home/app --shell /bin/bash app \
 && ln -s /home/app /home/dotcloud \
 && printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >/etc/apt/apt.conf.d/90paas \
 && find / -xdev -type f -perm /6000 -exec chmod ug-s {} +
LABEL paas.stack=bookworm paas.stack.rev=2
DOCKERFILE
  # The engine's own chatter (e.g. the legacy-builder notice) is shown only on failure.
  sed -i "s/paas.stack.rev=2/paas.stack.rev=$STACK_REV/" "$ctx/Dockerfile"
  if ! docker build -q -t "$STACK" "$ctx" >"$ctx.log" 2>&1; then
    cat "$ctx.log" >&2; rm -rf "$ctx" "$ctx.log"; die "building $STACK failed"
  fi
  rm -f "$ctx.log"
  rm -rf "$ctx"
fi
