#!/usr/bin/env bash
# What keeps builds confined when the API runs without root, as under
# systemd (paas-build-guard.service runs this as root, before the API):
#   - one INPUT rule dropping every packet from a build bridge (pb-*) to the
#     host itself, so builds reach nothing the host serves (reliability 50);
#     the API adds its own rule when it can, and drops it at shutdown;
#   - the cgroup /paas-builds with a pids.max (cgroupfs driver), under which
#     the API runs the RUN steps of every build when it cannot make one
#     cgroup per build (the systemd driver uses paas-builds.slice instead).
# A marker under $RUNTIME_DIRECTORY (/run/paas-build-guard) tells the API
# the rule is in place, since a non-root process cannot list the rules.
#   infra/build-guard.sh start|stop
set -u
PIDS=${PAAS_BUILD_PIDS:-2048}
MARK=${RUNTIME_DIRECTORY:-/run/paas-build-guard}
CGROUP=${PAAS_CGROUP_ROOT:-/sys/fs/cgroup}
RULE=(INPUT -i pb-+ -m comment --comment paas-builds -j DROP)

warn() { echo " !     $*" >&2; }
say() { echo "       $*"; }

start() {
  mkdir -p "$MARK"
  if ! command -v iptables >/dev/null 2>&1; then
    warn "iptables is not installed: builds can reach what the host serves on all its addresses (apt-get install iptables)"
  elif iptables -w -C "${RULE[@]}" 2>/dev/null || iptables -w -I "${RULE[@]}"; then
    : >"$MARK/firewall"
    say "builds are kept off the host (INPUT -i pb-+ DROP)"
  else
    warn "could not add the firewall rule for builds"
  fi

  local base
  if [ -f "$CGROUP/cgroup.controllers" ]; then
    base=$CGROUP/paas-builds
    grep -qw pids "$CGROUP/cgroup.subtree_control" 2>/dev/null || echo +pids >"$CGROUP/cgroup.subtree_control" 2>/dev/null
  else
    base=$CGROUP/pids/paas-builds
  fi
  if mkdir -p "$base" 2>/dev/null && echo "$PIDS" >"$base/pids.max" 2>/dev/null; then
    say "builds share a limit of $PIDS processes ($base)"
  else
    warn "could not set a pids limit for builds in $base"
  fi
  return 0
}

stop() {
  rm -f "$MARK/firewall"
  command -v iptables >/dev/null 2>&1 || return 0
  local i
  for i in 1 2 3 4 5 6 7 8; do
    iptables -w -C "${RULE[@]}" 2>/dev/null || break
    iptables -w -D "${RULE[@]}"
  done
  return 0
}

case ${1-} in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
