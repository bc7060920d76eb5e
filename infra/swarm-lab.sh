#!/usr/bin/env bash
# A multi-node Docker Swarm lab on one Linux machine: N Docker Engines, each in
# its own network namespace, joined into one swarm. For the Swarm driver's
# tests and for trying multi-node paas on a laptop. Runs as root.
#   infra/swarm-lab.sh up             builds the lab (idempotent), prints a summary
#   infra/swarm-lab.sh down           removes all of it (idempotent, also after a crash)
#   infra/swarm-lab.sh status [--json]  each node's engine and swarm state;
#                                     exit 0 when every node is ready, 1 otherwise
#   infra/swarm-lab.sh env            the export line for the manager's engine
#   infra/swarm-lab.sh paas-env       the settings of a paas platform on the lab (builds
#                                     stay on this machine's engine; registry on the host's
#                                     lab address, port 5000)
#   infra/swarm-lab.sh kill-node I     node I dies as a machine does: every process of
#                                     it killed (SIGKILL), its link to the switch down
#   infra/swarm-lab.sh start-node I    node I boots again: link up, dockerd started
#                                     (it rejoins the swarm from its own state)
#   PAAS_LAB_NODES    how many nodes, 1 to 9 (default 2): one manager, the rest workers
#   PAAS_LAB_SUBNET   the lab's /24 (default 10.213.0.0/24): .1 the host, .11, .12, … the nodes
#   PAAS_LAB_DIR      the lab's state (default /var/lib/paas-lab)
#   PAAS_LAB_NAME     names of the nodes, netns and links (default paas-lab: nodes
#                     paas-lab-1…N, switch paas-lab0); at most 11 characters
#   PAAS_LAB_IMAGES   images loaded into every node besides the stack image (space separated)
#   PAAS_LAB_STACK    the stack image (default paas/stack:bookworm)
#
# How it is built, for node i of N (NAME-i, address .(10+i) of the subnet):
#   - the switch: network namespace NAME0 holding a bridge br0. The host's link
#     NAME0 (address .1) is a veth into it, so the host reaches every node. The
#     bridge is not in the host's namespace because there br_netfilter would hand
#     frames between its ports to the host's iptables, whose FORWARD policy is
#     DROP under Docker (the global bridge-nf-call-iptables overrides a bridge's
#     own nf_call_iptables 0); the switch's namespace has an empty firewall, and
#     the lab adds no host firewall rule.
#   - network namespace NAME-i: eth0 (address .(10+i)/24), a veth whose other end
#     NAME-i is a port of the switch's bridge.
#   - dockerd started by nsenter --net (not ip netns exec, which remounts /sys and
#     hides the cgroup mounts), then unshare --mount --uts: a mount namespace of
#     its own (its overlay and netns mounts die with it, and the main engine's
#     /run/docker, /run/containerd and /var/lib/docker are hidden, so it starts
#     its own containerd), and the hostname NAME-i (the swarm's node name).
#   - its files under DIR/NAME-i: data/ (data-root), run/ (exec-root, a tmpfs of
#     its own mount namespace), docker.sock (its only endpoint: unix, no TCP),
#     docker.pid, daemon.json (empty: /etc/docker/daemon.json is never read),
#     dockerd.log.
#   - cgroups (cgroupfs driver): dockerd and its containerd in NAME-i/daemon,
#     containers in NAME-i/<id>; down kills whatever is left in NAME-i.
#   - no default route in a node: the lab reaches only its own /24. Images come
#     from docker load, and the engines run with DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1
#     so a task starts from the loaded image without trying a registry first.
#   - node 1 inits the swarm (--advertise-addr and --listen-addr its address),
#     the others join as workers; every node gets the labels paas.lab=1 and
#     paas.lab.node=NAME-i, and the images (docker save from the engine that the
#     docker command reaches, docker load into each node: there is no registry).
# Limits: without IPVS in the kernel, Swarm's virtual-IP load balancing fails
# ("No route to host"): services use --endpoint-mode dnsrr, and publish in
# mode=host (the routing mesh needs IPVS too). See docs/swarm-lab.md.
set -Eeuo pipefail

NODES=${PAAS_LAB_NODES:-2}
SUBNET=${PAAS_LAB_SUBNET:-10.213.0.0/24}
DIR=${PAAS_LAB_DIR:-/var/lib/paas-lab}
NAME=${PAAS_LAB_NAME:-paas-lab}
STACK=${PAAS_LAB_STACK:-paas/stack:bookworm}
IMAGES=${PAAS_LAB_IMAGES:-}
MARK=.paas-lab

step() { echo "-----> $*" >&2; }
detail() { echo "       $*" >&2; }
warn() { echo " !     $*" >&2; }
die() { echo " !     $*" >&2; exit 1; }

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }

# --- settings ----------------------------------------------------------------
# A lab that is up keeps the settings it was built with (DIR/lab.env): status
# and down follow them whatever the environment says now.
load_recorded() {
  [ -r "$DIR/lab.env" ] || return 1
  local k v
  while IFS='=' read -r k v; do
    case $k in
      NAME) NAME=$v ;; NODES) NODES=$v ;; SUBNET) SUBNET=$v ;;
    esac
  done <"$DIR/lab.env"
}

check_settings() {
  case $DIR in /*) ;; *) die "PAAS_LAB_DIR must be an absolute path (it is $DIR)" ;; esac
  DIR=${DIR%/}
  case "$DIR/" in
    /|/var/|/var/lib/|/run/|/tmp/|/var/lib/docker/*|/run/docker/*|/var/run/docker/*)
      die "PAAS_LAB_DIR=$DIR is not a place for the lab: name a directory of its own, like /var/lib/paas-lab" ;;
  esac
  [[ $NODES =~ ^[1-9]$ ]] || die "PAAS_LAB_NODES must be 1 to 9 (it is $NODES)"
  [[ $NAME =~ ^[a-z][a-z0-9-]{0,10}$ ]] \
    || die "PAAS_LAB_NAME must be 1 to 11 lowercase letters, digits or '-' (it is $NAME): it names network links of at most 15 characters"
  if ! [[ $SUBNET =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.0/24$ ]]; then
    die "PAAS_LAB_SUBNET must be a /24 like 10.213.0.0/24 (it is $SUBNET)"
  fi
  local o
  for o in "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"; do
    [ "$o" -le 255 ] || die "PAAS_LAB_SUBNET: $SUBNET is not an address"
  done
  PREFIX=${SUBNET%.0/24}
  BRIDGE=${NAME}0
  SWITCH=${NAME}0
  HOST_IP=$PREFIX.1
}

node_name() { echo "$NAME-$1"; }
node_ip() { echo "$PREFIX.$((10 + $1))"; }
node_dir() { echo "$DIR/$NAME-$1"; }
node_sock() { echo "$DIR/$NAME-$1/docker.sock"; }
node_role() { if [ "$1" = 1 ]; then echo manager; else echo worker; fi; }
ndocker() { local i=$1; shift; docker -H "unix://$(node_sock "$i")" "$@"; }

need_root() {
  [ "$(id -u)" = 0 ] || die "the lab makes network namespaces, links and engines: run it as root (sudo $0 $*)"
}

need_tools() {
  local missing=() pkgs=() c
  for c in ip nsenter unshare findmnt mountpoint dockerd docker iptables; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  for c in "${missing[@]}"; do
    case $c in
      ip) pkgs+=(iproute2) ;; nsenter|unshare|findmnt|mountpoint) pkgs+=(util-linux) ;;
      dockerd|docker) pkgs+=(docker.io) ;; iptables) pkgs+=(iptables) ;;
    esac
  done
  die "missing ${missing[*]}: apt-get install $(printf '%s\n' "${pkgs[@]}" | sort -u | tr '\n' ' ')(infra/install.sh installs docker.io)"
}

# --- cgroups -----------------------------------------------------------------
# The hierarchy in which the lab's processes are found: the unified one under
# cgroup v2, the pids controller's (or the first there is) under v1.
cgroup_root() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo /sys/fs/cgroup; return; fi
  local c
  for c in pids memory cpu,cpuacct cpu systemd; do
    if [ -f "/sys/fs/cgroup/$c/cgroup.procs" ]; then echo "/sys/fs/cgroup/$c"; return; fi
  done
  die "no cgroup hierarchy under /sys/fs/cgroup: dockerd needs the cgroup mounts"
}

# Every process of node i: in its cgroups, in its network namespace.
node_pids() {
  local i=$1 name
  name=$(node_name "$i")
  local root
  root=$(cgroup_root)
  if [ -d "$root/$name" ]; then find "$root/$name" -name cgroup.procs -exec cat {} + 2>/dev/null || true; fi
  if [ -e "/run/netns/$name" ]; then ip netns pids "$name" 2>/dev/null || true; fi
}

# Empty cgroup directories of node i, deepest first, in every hierarchy.
remove_cgroups() {
  local name=$1 d
  for d in /sys/fs/cgroup/"$name" /sys/fs/cgroup/*/"$name"; do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

# --- the engines -------------------------------------------------------------
# The pid of node i's dockerd, only when that process is this node's dockerd
# (its pid file could name a pid reused since).
engine_pid() {
  local i=$1 pidfile pid
  pidfile=$(node_dir "$i")/docker.pid
  [ -r "$pidfile" ] || return 1
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "--pidfile $pidfile " || return 1
  echo "$pid"
}

engine_up() { ndocker "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

start_engine() {
  local i=$1 name nd ip root
  name=$(node_name "$i"); nd=$(node_dir "$i"); ip=$(node_ip "$i"); root=$(cgroup_root)
  mkdir -p "$nd/data" "$nd/run"
  echo '{}' >"$nd/daemon.json"
  mkdir -p "$root/$name/daemon"
  # Inside: a mount namespace of its own, with the main engine's state hidden
  # and its exec-root on a tmpfs, the hostname NAME-i, its cgroup; then dockerd.
  # shellcheck disable=SC2016 # expanded by the inner bash, from its environment
  local inner='
    set -e
    for d in /run/containerd /run/docker /var/lib/docker; do
      if [ -d "$d" ]; then umount -R -l "$d" 2>/dev/null || true; mount -t tmpfs -o mode=0700 paas-lab "$d"; fi
    done
    mount -t tmpfs -o mode=0700 paas-lab "$ND/run"
    echo "$NODE" >/proc/sys/kernel/hostname
    echo $$ >"$CGROUP/cgroup.procs"
    export DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1
    exec dockerd --config-file "$ND/daemon.json" --data-root "$ND/data" --exec-root "$ND/run" \
      --pidfile "$ND/docker.pid" --host "unix://$ND/docker.sock" \
      --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$NODE" \
      --containerd-namespace "$NODE" --containerd-plugins-namespace "$NODE-plugins" \
      --shutdown-timeout 5 --log-level warn'
  ND=$nd NODE=$name CGROUP=$root/$name/daemon setsid nohup \
    nsenter --net="/run/netns/$name" unshare --mount --uts --propagation private \
    bash -c "$inner" </dev/null >"$nd/dockerd.log" 2>&1 &
  detail "$name: dockerd at $ip, unix://$nd/docker.sock"
}

wait_engine() {
  local i=$1 nd
  nd=$(node_dir "$i")
  for _ in $(seq 1 120); do
    engine_up "$i" && return 0
    if [ -s "$nd/docker.pid" ] && ! engine_pid "$i" >/dev/null; then break; fi
    sleep 0.5
  done
  engine_up "$i" && return 0
  warn "$(node_name "$i"): dockerd did not start; the end of $nd/dockerd.log:"
  tail -n 15 "$nd/dockerd.log" | sed 's/^/       /' >&2
  return 1
}

# --- the network -------------------------------------------------------------
ip_to_int() { local a b c d; IFS=. read -r a b c d <<<"$1"; echo $(( (a << 24) | (b << 16) | (c << 8) | d )); }

# The routes of the host that overlap the lab's /24 (the lab's own bridge aside).
colliding_routes() {
  local lo hi route net len base size
  lo=$(ip_to_int "$PREFIX.0"); hi=$((lo + 255))
  while read -r route _; do
    case $route in default|'') continue ;; esac
    net=${route%/*}; len=32; [ "$route" = "$net" ] || len=${route#*/}
    [[ $net =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || continue
    base=$(ip_to_int "$net"); size=$(( 1 << (32 - len) ))
    base=$(( base & ~(size - 1) ))
    if [ "$base" -le "$hi" ] && [ $((base + size - 1)) -ge "$lo" ]; then echo "$route"; fi
  done < <(ip -4 route show table all 2>/dev/null | grep -v " dev $BRIDGE " | grep -vE '^(broadcast|local|multicast|unreachable|prohibit|blackhole|throw) ')
}

make_network() {
  # The switch: a bridge in a network namespace of its own, whose firewall is
  # empty. A bridge in the host's namespace would hand every frame between its
  # ports to the host's iptables (br_netfilter), whose FORWARD policy is DROP
  # under Docker; the lab changes no host firewall rule.
  ip netns add "$SWITCH"
  ip -n "$SWITCH" link set lo up
  ip -n "$SWITCH" link add br0 type bridge
  ip -n "$SWITCH" link set br0 up
  ip link add "$BRIDGE" type veth peer name "${BRIDGE}p"
  ip link set "${BRIDGE}p" netns "$SWITCH"
  ip -n "$SWITCH" link set "${BRIDGE}p" name host
  ip -n "$SWITCH" link set host master br0 up
  ip addr add "$HOST_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  detail "switch $SWITCH, the host at $HOST_IP/24 on $BRIDGE"
  local i name
  for i in $(seq 1 "$NODES"); do
    name=$(node_name "$i")
    ip netns add "$name"
    ip link add "$name" type veth peer name "${name}p"
    ip link set "$name" netns "$SWITCH"
    ip -n "$SWITCH" link set "$name" master br0 up
    ip link set "${name}p" netns "$name"
    ip -n "$name" link set "${name}p" name eth0
    ip -n "$name" addr add "$(node_ip "$i")/24" dev eth0
    ip -n "$name" link set lo up
    ip -n "$name" link set eth0 up
  done
}

# --- what is there -------------------------------------------------------------
# Node numbers with any trace: a netns, a link, a state directory, an engine.
traces() {
  local i n
  n=$NODES
  local seen
  for seen in $(ip netns list 2>/dev/null | awk '{print $1}') $(ls "$DIR" 2>/dev/null); do
    if [[ $seen =~ ^$NAME-([1-9])$ ]] && [ "${BASH_REMATCH[1]}" -gt "$n" ]; then n=${BASH_REMATCH[1]}; fi
  done
  for i in $(seq 1 "$n"); do
    if [ -e "/run/netns/$(node_name "$i")" ] || [ -e "/sys/class/net/$(node_name "$i")" ] || [ -d "$(node_dir "$i")" ]; then
      echo "$i"
    fi
  done
}
anything_there() {
  [ -e "$DIR" ] || [ -e "/run/netns/$SWITCH" ] || [ -e "/sys/class/net/$BRIDGE" ] || [ -n "$(traces)" ]
}

# "name ip host role engine state availability" for every node, from the
# manager's view of the swarm.
node_states() {
  local i name ip sock role engine state avail view=""
  if engine_up 1; then
    view=$(ndocker 1 node ls --format '{{.Hostname}} {{.Status}} {{.Availability}} {{.ManagerStatus}}' 2>/dev/null || true)
  fi
  for i in $(seq 1 "$NODES"); do
    name=$(node_name "$i"); ip=$(node_ip "$i"); sock=unix://$(node_sock "$i"); role=$(node_role "$i")
    engine=down; state=unknown; avail=unknown
    if engine_up "$i"; then engine=up; fi
    local line
    line=$(printf '%s\n' "$view" | awk -v n="$name" '$1 == n { print; exit }')
    if [ -n "$line" ]; then
      state=$(echo "$line" | awk '{print tolower($2)}'); avail=$(echo "$line" | awk '{print tolower($3)}')
    elif [ -n "$view" ]; then
      state=absent
    fi
    echo "$name $ip $sock $role $engine $state $avail"
  done
}

all_ready() {
  [ -r "$DIR/lab.env" ] || return 1
  local _n _ip _s _r engine state avail
  while read -r _n _ip _s _r engine state avail; do
    [ "$engine" = up ] && [ "$state" = ready ] && [ "$avail" = active ] || return 1
  done < <(node_states)
}

summary() {
  local i
  for i in $(seq 1 "$NODES"); do
    echo "node $(node_name "$i") $(node_ip "$i") unix://$(node_sock "$i") $(node_role "$i")"
  done
  echo "export DOCKER_HOST=unix://$(node_sock 1)"
}

# --- down ----------------------------------------------------------------------
cmd_down() {
  need_root down
  load_recorded || true
  check_settings
  if ! anything_there; then step "No lab at $DIR: nothing to remove"; return 0; fi
  step "Removing the lab $NAME ($DIR)"
  local nodes i pid name
  nodes=$(traces)
  # Every engine gets SIGTERM at once and 6 s to exit; its containers are not
  # waited for (a task's grace period is 10 s): all of them go below anyway.
  for i in $nodes; do
    if pid=$(engine_pid "$i"); then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for _ in $(seq 1 12); do
    local left=0
    for i in $nodes; do if engine_pid "$i" >/dev/null; then left=1; fi; done
    [ $left = 0 ] && break
    sleep 0.5
  done
  for i in $nodes; do
    if pid=$(engine_pid "$i"); then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  # What outlived it (containerd, shims, containers; all of it after a crash) is killed.
  for i in $nodes; do
    name=$(node_name "$i")
    for _ in 1 2 3 4 5; do
      pids=$(node_pids "$i" | sort -u | tr '\n' ' ')
      [ -n "${pids// /}" ] || break
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null || true
      sleep 0.3
    done
    [ -z "$(node_pids "$i")" ] || warn "$name: processes that would not die: $(node_pids "$i" | tr '\n' ' ')"
    remove_cgroups "$name"
    if [ -e "/run/netns/$name" ]; then ip netns del "$name" 2>/dev/null || warn "$name: ip netns del failed"; fi
    if [ -e "/sys/class/net/$name" ]; then ip link del "$name" 2>/dev/null || true; fi
    detail "$name removed"
  done
  if [ -e "/run/netns/$SWITCH" ]; then ip netns del "$SWITCH" 2>/dev/null || warn "$SWITCH: ip netns del failed"; fi
  # The host's end of the switch goes with it; a link left by a crash between the two is removed.
  if [ -e "/sys/class/net/$BRIDGE" ]; then ip link del "$BRIDGE" 2>/dev/null || true; fi
  detail "switch $SWITCH removed"
  if [ -e "$DIR" ]; then
    # Mounts that escaped into the host's namespace go first; rm never crosses one.
    local m
    findmnt -rn -o TARGET | awk -v d="$DIR/" 'index($0 "/", d) == 1' | sort -r | while read -r m; do
      umount -R -l "$m" 2>/dev/null || true
    done
    if [ ! -e "$DIR/$MARK" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
      die "$DIR is not a lab's directory (no $MARK in it): left as it is"
    fi
    rm -rf --one-file-system "$DIR"
    detail "$DIR removed"
  fi
}

# --- up ------------------------------------------------------------------------
cmd_up() {
  need_root up
  need_tools
  local want_nodes=$NODES want_subnet=$SUBNET want_name=$NAME
  if load_recorded; then
    check_settings
    if all_ready; then
      if [ "$want_nodes/$want_subnet/$want_name" != "$NODES/$SUBNET/$NAME" ]; then
        warn "the lab at $DIR is up with $NODES nodes in $SUBNET ($NAME); down it first to build another"
      fi
      step "The lab $NAME is up ($NODES nodes, $SUBNET)"
      summary
      return 0
    fi
  fi
  NODES=$want_nodes; SUBNET=$want_subnet; NAME=$want_name
  check_settings
  if anything_there; then
    step "A lab at $DIR is not ready (half built, or left by a crash): removing it first"
    cmd_down
    NODES=$want_nodes; SUBNET=$want_subnet; NAME=$want_name
    check_settings
    if anything_there; then die "the old lab could not be removed: see the lines above"; fi
  fi
  docker image inspect "$STACK" >/dev/null 2>&1 \
    || die "no image $STACK on the engine that docker reaches: infra/install.sh builds it"
  local img
  for img in $IMAGES; do
    docker image inspect "$img" >/dev/null 2>&1 || die "PAAS_LAB_IMAGES: no image $img on the engine that docker reaches"
  done
  local longest
  longest="$(node_dir "$NODES")/run/containerd/containerd.sock.ttrpc"
  [ ${#longest} -le 100 ] || die "PAAS_LAB_DIR=$DIR is too long for unix socket paths ($longest): choose a shorter one"

  local clash
  clash=$(colliding_routes | sort -u | paste -sd ' ' -)
  [ -z "$clash" ] || die "$SUBNET overlaps the host's routes ($clash): choose another /24 with PAAS_LAB_SUBNET"

  step "Building the lab $NAME: $NODES nodes in $SUBNET, state in $DIR"
  mkdir -p "$DIR"; chmod 0700 "$DIR"; : >"$DIR/$MARK"
  printf 'NAME=%s\nNODES=%s\nSUBNET=%s\n' "$NAME" "$NODES" "$SUBNET" >"$DIR/lab.env"
  # A failure from here on leaves a half-built lab: the next up removes it.
  trap 'warn "the lab is half built: infra/swarm-lab.sh down removes it (up does too)"' ERR
  make_network

  step "Starting the engines"
  local i
  for i in $(seq 1 "$NODES"); do start_engine "$i"; done
  for i in $(seq 1 "$NODES"); do
    wait_engine "$i" || die "the lab is half built: infra/swarm-lab.sh down removes it"
  done

  step "Forming the swarm"
  local ip1 token
  ip1=$(node_ip 1)
  ndocker 1 swarm init --advertise-addr "$ip1" --listen-addr "$ip1:2377" >/dev/null
  detail "$(node_name 1): manager at $ip1:2377"
  if [ "$NODES" -gt 1 ]; then
    token=$(ndocker 1 swarm join-token -q worker)
    for i in $(seq 2 "$NODES"); do
      ndocker "$i" swarm join --token "$token" --advertise-addr "$(node_ip "$i")" \
        --listen-addr "$(node_ip "$i"):2377" "$ip1:2377" >/dev/null
      detail "$(node_name "$i"): worker"
    done
  fi
  for _ in $(seq 1 60); do all_ready && break; sleep 0.5; done
  all_ready || { node_states | sed 's/^/       /' >&2; die "the swarm's nodes are not all ready"; }
  for i in $(seq 1 "$NODES"); do
    ndocker 1 node update --label-add paas.lab=1 --label-add "paas.lab.node=$(node_name "$i")" "$(node_name "$i")" >/dev/null
  done

  step "Loading images into every node"
  local tar=$DIR/images.tar
  # shellcheck disable=SC2086
  docker save -o "$tar" "$STACK" $IMAGES
  for i in $(seq 1 "$NODES"); do
    ndocker "$i" load -q -i "$tar" >/dev/null
  done
  rm -f "$tar"
  detail "$STACK${IMAGES:+ $IMAGES}"
  trap - ERR

  step "The lab $NAME is up"
  summary
}

# --- status ----------------------------------------------------------------------
cmd_status() {
  local json=0
  case ${1:-} in --json) json=1 ;; '') ;; *) die "unknown option $1 (infra/swarm-lab.sh --help)" ;; esac
  need_root status
  local recorded=0
  if load_recorded; then recorded=1; fi
  check_settings
  local ready=0 states=""
  if [ $recorded = 1 ]; then
    states=$(node_states)
    if all_ready; then ready=1; fi
  fi
  if [ $json = 1 ]; then
    local first=1 n ip host role engine state avail
    printf '{"ready":%s,"dir":"%s","name":"%s","subnet":"%s","bridge":"%s","nodes":[' \
      "$([ $ready = 1 ] && echo true || echo false)" "$DIR" "$NAME" "$SUBNET" "$BRIDGE"
    while read -r n ip host role engine state avail; do
      [ -n "$n" ] || continue
      [ $first = 1 ] || printf ','
      first=0
      printf '{"name":"%s","ip":"%s","host":"%s","role":"%s","engine":"%s","state":"%s","availability":"%s"}' \
        "$n" "$ip" "$host" "$role" "$engine" "$state" "$avail"
    done <<<"$states"
    printf ']}\n'
  elif [ $recorded = 0 ]; then
    step "No lab at $DIR (infra/swarm-lab.sh up builds one)"
  else
    step "The lab $NAME ($NODES nodes, $SUBNET): $([ $ready = 1 ] && echo ready || echo not ready)"
    printf '%s\n' "$states" | awk '{ printf "node %s %s %s %s engine=%s state=%s availability=%s\n", $1, $2, $3, $4, $5, $6, $7 }'
  fi
  [ $ready = 1 ]
}

cmd_paas_env() {
  load_recorded || die "no lab at $DIR (infra/swarm-lab.sh up builds one)"
  check_settings
  local i engines=""
  for i in $(seq 1 "$NODES"); do engines="$engines${engines:+ }$(node_name "$i")=unix://$(node_sock "$i")"; done
  echo "export PAAS_RUNTIME=swarm PAAS_SWARM_MANAGER=unix://$(node_sock 1) PAAS_SWARM_ENGINES='$engines' PAAS_REGISTRY_ADDR=$HOST_IP:5000"
}

node_arg() {
  load_recorded || die "no lab at $DIR (infra/swarm-lab.sh up builds one)"
  check_settings
  if ! [[ ${1:-} =~ ^[1-9]$ ]] || [ "$1" -gt "$NODES" ]; then die "name a node number from 1 to $NODES (it is ${1:-nothing})"; fi
}

cmd_kill_node() {
  node_arg "${1:-}"
  need_root kill-node
  local i=$1 pids
  ip -n "$SWITCH" link set "$(node_name "$i")" down
  # Killed twice: the first round can race with a process forking.
  for _ in 1 2; do
    pids=$(node_pids "$i" | sort -u)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    sleep 0.2
  done
  step "$(node_name "$i") is dead (its processes killed, its link down)"
}

cmd_start_node() {
  node_arg "${1:-}"
  need_root start-node
  local i=$1
  ip -n "$SWITCH" link set "$(node_name "$i")" up
  if engine_up "$i"; then step "$(node_name "$i") runs already"; return 0; fi
  # A dead engine's exec-root was a tmpfs of its mount namespace, gone with it; its data-root is kept.
  rm -f "$(node_dir "$i")/docker.sock" "$(node_dir "$i")/docker.pid"
  start_engine "$i"
  wait_engine "$i" || die "$(node_name "$i") did not start again"
  step "$(node_name "$i") is up again"
}

cmd_env() {
  load_recorded || die "no lab at $DIR (infra/swarm-lab.sh up builds one)"
  check_settings
  echo "export DOCKER_HOST=unix://$(node_sock 1)"
}

case ${1:-} in
  up) shift; [ $# -eq 0 ] || die "up takes no arguments"; cmd_up ;;
  down) shift; [ $# -eq 0 ] || die "down takes no arguments"; cmd_down ;;
  status) shift; cmd_status "$@" ;;
  env) shift; cmd_env ;;
  paas-env) shift; cmd_paas_env ;;
  kill-node) shift; cmd_kill_node "$@" ;;
  start-node) shift; cmd_start_node "$@" ;;
  -h|--help|help) usage ;;
  '') usage >&2; exit 2 ;;
  *) echo " !     unknown command $1 (infra/swarm-lab.sh --help)" >&2; exit 2 ;;
esac
