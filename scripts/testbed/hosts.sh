#!/usr/bin/env bash
# hosts.sh start|stop|status: five isolated libvirt "hosts" on this machine.
#
# Why: Tandem manages several libvirt hosts (local socket, remote TCP) and
# moves guests between them; integration tests need real ones. Each host is
# its own libvirtd + virtlogd in its own mount namespace (unshare -m) with
# private copies bind-mounted over /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt (and /var/log/libvirt, so QEMU logs do not mix), its own
# host_uuid (stable per state folder) and explicit pidfiles, so the five look
# like five machines to libvirt (live migration between host1 and host2
# works) and never collide with each other or with a system libvirtd.
#
#   host0: unix socket only      qemu:///system?socket=$STATE/host0/run/libvirt/libvirt-sock
#   host1: + TCP 127.0.0.2:16510 qemu+tcp://127.0.0.2:16510/system  (no auth, loopback only)
#   host2: + TCP 127.0.0.3:16510 qemu+tcp://127.0.0.3:16510/system
#   host3: + TCP 127.0.0.4:16510 qemu+tcp://127.0.0.4:16510/system  (SASL DIGEST-MD5 login)
#   (127.0.N.x with TANDEM_TESTBED_SLOT=N; see SLOT below)
#   host4: unix socket only      qemu:///system?socket=$STATE/host4/run/libvirt/libvirt-sock
#          (the network host: own network namespace too, see below)
#
# QEMU runs as root without a security driver and without cgroups (guests of
# different hosts could otherwise share a cgroup name). Guest disks, serial
# logs, kernel and initramfs live under $STATE, the same path for all hosts.
# `start` is idempotent and writes $STATE/testbed.env; `stop` deletes that
# file, removes all domains of the test bed hosts and stops every process they
# started, by PID (never by name), each PID from a pidfile trusted only if it runs
# the expected binary in that host's mount namespace (pidfiles outlive processes).
#
# host3 asks for a SASL login (auth_tcp = "sasl"), so that credential prompts
# are exercised against a real daemon: its namespace also gets a private
# /etc/sasl2 whose libvirt.conf points at a sasldb in its state folder, with
# one user (TANDEM_TESTBED_SASL_USER / _PASSWORD in testbed.env, a random
# password made once per state folder). DIGEST-MD5, not SCRAM: on plain TCP
# libvirt demands a SASL mechanism with a security layer (SSF >= 56), which
# SCRAM lacks. The scripts' own virsh calls log in through a libvirt auth.conf
# (LIBVIRT_AUTH_FILE) in host3's folder.
#
# host4 can start libvirt networks. libvirt 9.0 builds a network from a bridge,
# iptables rules (no firewalld here: it runs iptables itself) and a dnsmasq per
# network; in the machine's shared network namespace only 127.0.0.0/8 may be
# used, so host4 runs in a network namespace of its own as well (unshare -m -n,
# lo up, a fresh /sys so libvirt sees that namespace's devices): bridges, tap
# devices, firewall rules, dnsmasq and its guests live and die in there. It is
# reachable only through its unix socket (sockets on the filesystem cross
# network namespaces); its VNC/NBD/migration listeners are private to it. The
# namespace has no process of anyone else: `stop` destroys host4's networks
# (libvirt stops their dnsmasq), undefines them like every host's domains,
# stops the daemons, kills any dnsmasq left (by pidfile, checked to run in
# host4's mount namespace) and then every process still in that network
# namespace (by PID, found through /proc/PID/ns/net), so it dies.
set -euo pipefail

# shellcheck source=scripts/testbed/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HOSTS=(0 1 2 3 4)
SASL_HOST=3
NET_HOST=4
SASL_USER=tandem
TCP_PORT=16510
# Several test beds can run side by side (parallel worktrees, a CI rehearsal next to a working one): slot N
# (TANDEM_TESTBED_SLOT, 0-7, default 0) uses addresses 127.0.N.x and its own display/migration port ranges.
SLOT="${TANDEM_TESTBED_SLOT:-0}"
[[ "$SLOT" =~ ^[0-7]$ ]] || die "TANDEM_TESTBED_SLOT must be 0-7 (got '$SLOT')."
READY_TIMEOUT=20
ENV_FILE="$STATE/testbed.env"
IMAGES="$STATE/images"
# system path -> private folder (relative to the host folder)
BIND_TARGETS=(/etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt)
BIND_SOURCES=(etc/libvirt run/libvirt lib/libvirt cache/libvirt log/libvirt)
# ...and, for the SASL host only, its own SASL config
SASL_BIND_TARGET=/etc/sasl2
SASL_BIND_SOURCE=etc/sasl2

declare -A LAUNCHED=() READY=()

host_dir() { printf '%s/host%s' "$STATE" "$1"; }
host_addr() { printf '127.0.%s.%s' "$SLOT" "$(($1 + 1))"; }

# Hosts reachable through their unix socket only (no TCP listener).
socket_only() { [[ "$1" == 0 || "$1" == "$NET_HOST" ]]; }

host_uri() {
  if socket_only "$1"; then
    printf 'qemu:///system?socket=%s/run/libvirt/libvirt-sock' "$(host_dir "$1")"
  else
    printf 'qemu+tcp://%s:%s/system' "$(host_addr "$1")" "$TCP_PORT"
  fi
}

# PID from a pidfile if that process is alive and runs the expected binary.
live_pid() {
  local pidfile="$1" exe="$2" pid
  [[ -f "$pidfile" ]] || return 1
  pid="$(tr -dc '0-9' <"$pidfile")"
  [[ -n "$pid" && -d "/proc/$pid" ]] || return 1
  [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$exe" ]] || return 1
  printf '%s\n' "$pid"
}

# PID of host $1's daemon $2 (libvirtd or virtlogd) from its pidfile, only if that process runs the daemon's
# binary in host $1's mount namespace: a pidfile outlives its daemon (a crash, a kill -9), and its PID may
# since belong to another test bed's daemon of the same binary, which `stop` must never signal.
host_daemon_pid() {
  local dir pid
  dir="$(host_dir "$1")"
  pid="$(live_pid "$dir/$2.pid" "/usr/sbin/$2")" || return 1
  in_host_mounts "$dir" "$pid" || return 1
  printf '%s\n' "$pid"
}

# auth.conf through which the scripts' virsh logs in to host $1 (empty: no login needed).
virsh_auth_file() {
  [[ "$1" == "$SASL_HOST" ]] && printf '%s/auth.conf' "$(host_dir "$1")"
  return 0
}

# virsh_host I TIMEOUT_S ARGS...: virsh against host I (with its login, if it needs one), bounded.
virsh_host() {
  local i="$1" t="$2" auth envs=()
  shift 2
  auth="$(virsh_auth_file "$i")"
  [[ -z "$auth" ]] || envs=("LIBVIRT_AUTH_FILE=$auth")
  timeout "$t" env "${envs[@]}" virsh -q -c "$(host_uri "$i")" "$@"
}

answers() { virsh_host "$1" 10 version >/dev/null 2>&1; }

sasl_password() { cat "$(host_dir "$SASL_HOST")/sasl-password"; }

# SASL config, user database and virsh auth.conf of the SASL host (password made once, kept).
write_sasl_config() {
  local dir pw
  dir="$(host_dir "$SASL_HOST")"
  mkdir -p "$dir/$SASL_BIND_SOURCE"
  if [[ ! -s "$dir/sasl-password" ]]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=\n' >"$dir/sasl-password")
  fi
  pw="$(sasl_password)"
  {
    echo "# Generated by scripts/testbed/hosts.sh for test bed host$SASL_HOST (bind-mounted over /etc/sasl2)."
    echo 'mech_list: digest-md5'
    echo "sasldb_path: $dir/passwd.db"
  } >"$dir/$SASL_BIND_SOURCE/libvirt.conf"
  rm -f "$dir/passwd.db"
  printf '%s' "$pw" | saslpasswd2 -a libvirt -f "$dir/passwd.db" -p -c "$SASL_USER"
  (
    umask 077
    printf '[credentials-testbed]\nauthname=%s\npassword=%s\n\n[auth-libvirt-%s]\ncredentials=testbed\n' \
      "$SASL_USER" "$pw" "$(host_addr "$SASL_HOST")" >"$dir/auth.conf"
  )
}

# Unix socket paths are limited to 108 bytes (sun_path, NUL included).
check_socket_paths() {
  local sock
  sock="$(host_dir 0)/run/libvirt/virtlogd-admin-sock" # the longest one the daemons create
  if ((${#sock} > 107)); then
    die "socket path '$sock' is ${#sock} bytes, over the 107-byte unix socket limit; set TANDEM_TESTBED_DIR to a shorter folder (e.g. /tmp/tandem-testbed)."
  fi
}

write_configs() {
  local i="$1" dir uuid f
  dir="$(host_dir "$i")"
  for f in "${BIND_SOURCES[@]}"; do mkdir -p "$dir/$f"; done
  # Private copy of /etc/libvirt: top-level files only (client configs); the
  # subfolders hold domain/network definitions of the system daemon.
  if [[ ! -f "$dir/etc/.copied" ]]; then
    find /etc/libvirt -maxdepth 1 -type f -exec cp -p {} "$dir/etc/libvirt/" \; 2>/dev/null || true
    touch "$dir/etc/.copied"
  fi
  if [[ ! -s "$dir/host_uuid" ]]; then
    cat /proc/sys/kernel/random/uuid >"$dir/host_uuid"
  fi
  uuid="$(cat "$dir/host_uuid")"

  {
    echo "# Generated by scripts/testbed/hosts.sh for test bed host$i; rewritten at each start."
    echo "host_uuid = \"$uuid\""
    echo "log_outputs = \"3:file:$dir/libvirtd.log\""
    echo 'listen_tls = 0'
    echo 'auth_unix_ro = "none"'
    echo 'auth_unix_rw = "none"'
    if socket_only "$i"; then
      echo 'listen_tcp = 0'
    else
      echo 'listen_tcp = 1'
      if [[ "$i" == "$SASL_HOST" ]]; then
        echo 'auth_tcp = "sasl"'
      else
        echo 'auth_tcp = "none"'
      fi
      echo "listen_addr = \"$(host_addr "$i")\""
      echo "tcp_port = \"$TCP_PORT\""
    fi
  } >"$dir/etc/libvirt/libvirtd.conf"

  {
    echo "# Generated by scripts/testbed/hosts.sh for test bed host$i; rewritten at each start."
    echo 'user = "root"'
    echo 'group = "root"'
    echo 'security_driver = "none"'
    echo 'stdio_handler = "logd"'
    echo 'cgroup_controllers = [ ]'
    echo 'vnc_listen = "127.0.0.1"'
    echo 'spice_listen = "127.0.0.1"'
    # Disjoint port ranges: the hosts (and the test beds of other slots) share one network namespace.
    # host0-2 of slot N use block N*3+i (0-23); host3, added later, uses block 24+N for display and
    # migration ports (no collision with 0-23) and its own websocket range below 5000. The network host
    # has a network namespace of its own: libvirt's default ranges cannot collide with anything there.
    if [[ "$i" != "$NET_HOST" ]]; then
      local n=$((SLOT * 3 + i)) ws=$((5000 + (SLOT * 3 + i) * 30))
      if [[ "$i" == 3 ]]; then
        n=$((24 + SLOT))
        ws=$((4000 + SLOT * 30))
      fi
      echo "remote_display_port_min = $((5900 + n * 30))"
      echo "remote_display_port_max = $((5929 + n * 30))"
      echo "websocket_port_min = $ws"
      echo "websocket_port_max = $((ws + 29))"
      echo "migration_port_min = $((49152 + n * 64))"
      echo "migration_port_max = $((49215 + n * 64))"
    fi
    if ! socket_only "$i"; then
      echo "migration_address = \"$(host_addr "$i")\""
      echo "migration_host = \"$(host_addr "$i")\""
    fi
  } >"$dir/etc/libvirt/qemu.conf"

  {
    echo "# Generated by scripts/testbed/hosts.sh for test bed host$i."
    echo "log_outputs = \"3:file:$dir/virtlogd.log\""
  } >"$dir/etc/libvirt/virtlogd.conf"
}

# Runs inside the new mount (and, for the network host, network) namespace (hosts.sh __ns-start <i>).
ns_start() {
  local i="$1" dir k listen=()
  dir="$(host_dir "$i")"
  mount --make-rprivate /
  if [[ "$i" == "$NET_HOST" ]]; then
    ip link set lo up
    # sysfs shows the network devices of the namespace that mounted it: libvirt reads and writes
    # /sys/class/net/<bridge>/... of the bridges it creates here. The machine's cgroup mounts are moved
    # over into the fresh sysfs, so libvirt finds what the other hosts find.
    mkdir -p "$dir/cgroup-hold"
    mount --rbind /sys/fs/cgroup "$dir/cgroup-hold"
    mount -t sysfs sysfs /sys
    mount --move "$dir/cgroup-hold" /sys/fs/cgroup
  fi
  for k in "${!BIND_TARGETS[@]}"; do
    mkdir -p "${BIND_TARGETS[$k]}"
    mount --bind "$dir/${BIND_SOURCES[$k]}" "${BIND_TARGETS[$k]}"
  done
  if [[ "$i" == "$SASL_HOST" ]]; then
    mkdir -p "$SASL_BIND_TARGET"
    mount --bind "$dir/$SASL_BIND_SOURCE" "$SASL_BIND_TARGET"
  fi
  if ! host_daemon_pid "$i" virtlogd >/dev/null; then
    virtlogd -d -f /etc/libvirt/virtlogd.conf -p "$dir/virtlogd.pid"
  fi
  socket_only "$i" || listen=(--listen)
  exec libvirtd -d "${listen[@]}" -f /etc/libvirt/libvirtd.conf -p "$dir/libvirtd.pid"
}

# Start host $1's daemons unless running; does not wait for readiness (the
# first start probes QEMU capabilities for several seconds: hosts start in
# parallel, then wait_host waits for each).
launch_host() {
  local i="$1" dir uri pid
  dir="$(host_dir "$i")"
  uri="$(host_uri "$i")"
  if pid="$(host_daemon_pid "$i" libvirtd)"; then
    [[ -n "${LAUNCHED[$i]:-}" ]] || say "host$i: already running (pid $pid)"
    return 0
  fi
  LAUNCHED[$i]=1
  write_configs "$i"
  [[ "$i" != "$SASL_HOST" ]] || write_sasl_config
  printf '\n=== %s start host%s\n' "$(date -Is)" "$i" >>"$dir/start.log"
  local namespaces=(-m)
  [[ "$i" != "$NET_HOST" ]] || namespaces=(-m -n)
  if ! unshare "${namespaces[@]}" --propagation private "${BASH:-bash}" "$TESTBED_SCRIPTS/hosts.sh" __ns-start "$i" >>"$dir/start.log" 2>&1 </dev/null; then
    show_tail "$dir/start.log"
    show_tail "$dir/libvirtd.log"
    die "host$i: starting libvirtd failed (logs: $dir/start.log, $dir/libvirtd.log)"
  fi
}

wait_host() {
  local i="$1" dir uri deadline
  dir="$(host_dir "$i")"
  uri="$(host_uri "$i")"
  deadline=$((SECONDS + READY_TIMEOUT))
  until answers "$i"; do
    if ((SECONDS >= deadline)); then
      show_tail "$dir/start.log"
      show_tail "$dir/libvirtd.log"
      die "host$i: libvirtd does not answer on $uri after ${READY_TIMEOUT}s (logs: $dir/libvirtd.log, $dir/start.log)"
    fi
    if ! host_daemon_pid "$i" libvirtd >/dev/null; then
      show_tail "$dir/start.log"
      show_tail "$dir/libvirtd.log"
      die "host$i: libvirtd exited during startup (logs: $dir/libvirtd.log, $dir/start.log)"
    fi
    sleep 0.2
  done
  [[ -n "${LAUNCHED[$i]:-}" && -z "${READY[$i]:-}" ]] || return 0
  READY[$i]=1
  local extra=''
  [[ "$i" != "$NET_HOST" ]] || extra=" (network namespace $(host_netns))"
  say "host$i: ready (pid $(host_daemon_pid "$i" libvirtd || echo '?')) $uri$extra"
}

# The network host's namespace, as /proc/PID/ns/net names it ("net:[4026532...]"), read from one of its
# own processes (each checked by pidfile and binary), or nothing when none runs. Never from a file kept
# across runs: namespace ids are reused once a namespace is gone.
host_netns() {
  local dir pid ns own
  dir="$(host_dir "$NET_HOST")"
  own="$(readlink /proc/self/ns/net)"
  for pid in $(host_daemon_pid "$NET_HOST" libvirtd) $(host_daemon_pid "$NET_HOST" virtlogd) \
    $(host_dnsmasq_pids "$dir") $(host_qemu_pids "$dir"); do
    in_host_mounts "$dir" "$pid" || continue
    ns="$(readlink "/proc/$pid/ns/net" 2>/dev/null)" || continue
    # Never the namespace this script runs in (stop_netns kills everything in the one named here).
    [[ "$ns" != "$own" ]] || die "host$NET_HOST: pid $pid runs in this machine's network namespace, not in a private one"
    printf '%s\n' "$ns"
    return 0
  done
  return 0
}

# PIDs of the processes in network namespace $1 (none but the network host's own can be there).
netns_pids() {
  local ns="$1" p
  for p in /proc/[0-9]*; do
    [[ "$(readlink "$p/ns/net" 2>/dev/null)" == "$ns" ]] && printf '%s\n' "${p#/proc/}"
  done
  return 0
}

# Whether process $2 runs in host folder $1's mount namespace: its /run/libvirt is that host's private copy.
# (Pidfiles outlive their processes, and every test bed's dnsmasq and QEMU look alike by binary and paths.)
in_host_mounts() {
  local dir="$1" pid="$2"
  [[ "$(stat -Lc %d:%i "/proc/$pid/root/run/libvirt" 2>/dev/null)" == "$(stat -c %d:%i "$dir/run/libvirt")" ]]
}

# dnsmasq processes libvirt started for host $1's networks, from the pidfiles in its private
# /run/libvirt/network/ (libvirt leaves them behind), checked against /proc (binary, mount namespace).
host_dnsmasq_pids() {
  local dir="$1" pidfile pid
  for pidfile in "$dir"/run/libvirt/network/*.pid; do
    [[ -f "$pidfile" ]] || continue
    pid="$(live_pid "$pidfile" /usr/sbin/dnsmasq)" || continue
    if in_host_mounts "$dir" "$pid"; then printf '%s\n' "$pid"; fi
  done
  return 0
}

# Destroy (libvirt stops its dnsmasq, removes bridge and firewall rules) and undefine every network of
# host $1, as remove_domains does with domains.
remove_networks() {
  local i="$1" dir net n=0
  dir="$(host_dir "$i")"
  if host_daemon_pid "$i" libvirtd >/dev/null && answers "$i"; then
    while IFS= read -r net; do
      [[ -n "$net" ]] || continue
      virsh_host "$i" 30 net-destroy "$net" >>"$dir/stop.log" 2>&1 || true
      virsh_host "$i" 30 net-undefine "$net" >>"$dir/stop.log" 2>&1 || true
      n=$((n + 1))
    done < <(virsh_host "$i" 30 net-list --all --name 2>>"$dir/stop.log")
  fi
  ((n == 0)) || say "host$i: removed $n network(s)"
}

has_caps_cache() {
  compgen -G "$(host_dir "$1")/cache/libvirt/qemu/capabilities/*.xml" >/dev/null
}

# The first start of a libvirtd probes QEMU's capabilities (~8 s of CPU under
# TCG, per host). All hosts run the same binaries, so probe once (host0) and
# give the others a copy of its cache; libvirt re-probes if it finds the copy
# stale (it checks binary ctimes, libvirt version, kernel, CPU microcode).
seed_caps_caches() {
  local i src=""
  for i in "${HOSTS[@]}"; do
    if has_caps_cache "$i"; then src="$(host_dir "$i")/cache/libvirt/qemu/capabilities"; fi
  done
  if [[ -z "$src" ]]; then
    say "host0: first start, probing QEMU capabilities (takes a few seconds)"
    launch_host 0
    wait_host 0
    has_caps_cache 0 || return 0
    src="$(host_dir 0)/cache/libvirt/qemu/capabilities"
  fi
  for i in "${HOSTS[@]}"; do
    has_caps_cache "$i" && continue
    mkdir -p "$(host_dir "$i")/cache/libvirt/qemu/capabilities"
    cp -p "$src"/*.xml "$(host_dir "$i")/cache/libvirt/qemu/capabilities/"
  done
}

write_env() {
  local tmp="$ENV_FILE.tmp"
  {
    echo "# Tandem test bed, written by scripts/testbed/hosts.sh start. KEY=value, no quoting needed."
    echo "TANDEM_TESTBED_DIR=$STATE"
    echo "TANDEM_TESTBED_HOST0_URI=$(host_uri 0)"
    echo "TANDEM_TESTBED_HOST1_URI=$(host_uri 1)"
    echo "TANDEM_TESTBED_HOST2_URI=$(host_uri 2)"
    echo "TANDEM_TESTBED_HOST3_URI=$(host_uri 3)"
    echo "TANDEM_TESTBED_NETHOST_URI=$(host_uri "$NET_HOST")"
    echo "TANDEM_TESTBED_SASL_USER=$SASL_USER"
    echo "TANDEM_TESTBED_SASL_PASSWORD=$(sasl_password)"
    echo "TANDEM_TESTBED_KERNEL=$STATE/guest/vmlinuz"
    echo "TANDEM_TESTBED_INITRD=$STATE/guest/initramfs.img"
    echo "TANDEM_TESTBED_AGENT_INITRD=$STATE/guest/initramfs-agent.img"
    echo "TANDEM_TESTBED_INSTALL_ISO=$STATE/guest/tandem-install.iso"
    echo "TANDEM_TESTBED_INSTALL_REBOOT_ISO=$STATE/guest/tandem-install-reboots.iso"
    echo "TANDEM_TESTBED_IMAGES=$IMAGES"
  } >"$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

# kill_pids WAIT_S PID...: SIGTERM all, wait up to WAIT_S seconds for all to
# exit, then SIGKILL the rest.
kill_pids() {
  local wait_s="$1" pid n=0 alive
  shift
  (($# > 0)) || return 0
  kill -TERM "$@" 2>/dev/null || true
  while ((n < wait_s * 10)); do
    alive=0
    for pid in "$@"; do [[ -d "/proc/$pid" ]] && alive=1; done
    ((alive)) || return 0
    sleep 0.1
    n=$((n + 1))
  done
  for pid in "$@"; do
    [[ -d "/proc/$pid" ]] && kill -KILL "$pid" 2>/dev/null
  done
  sleep 0.2
}

# QEMU processes this host's libvirtd started, from the pidfiles in its
# private /run/libvirt/qemu/, checked against /proc (binary, -name guest=, the host's mount namespace).
host_qemu_pids() {
  local dir="$1" pidfile name pid arg
  for pidfile in "$dir"/run/libvirt/qemu/*.pid; do
    [[ -f "$pidfile" ]] || continue
    name="$(basename "$pidfile" .pid)"
    pid="$(tr -dc '0-9' <"$pidfile")"
    [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || continue
    [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == */qemu-system-* ]] || continue
    in_host_mounts "$dir" "$pid" || continue
    while IFS= read -r arg; do
      if [[ "$arg" == "guest=$name" || "$arg" == "guest=$name,"* ]]; then
        printf '%s\n' "$pid"
        break
      fi
    done < <(tr '\0' '\n' <"/proc/$pid/cmdline")
  done
}

# Destroy and undefine every domain of host $1 (if its daemon answers).
remove_domains() {
  local i="$1" dir dom n=0
  dir="$(host_dir "$i")"
  if host_daemon_pid "$i" libvirtd >/dev/null && answers "$i"; then
    while IFS= read -r dom; do
      [[ -n "$dom" ]] || continue
      virsh_host "$i" 30 destroy "$dom" >>"$dir/stop.log" 2>&1 || true
      virsh_host "$i" 30 undefine --managed-save --snapshots-metadata --checkpoints-metadata "$dom" >>"$dir/stop.log" 2>&1 ||
        virsh_host "$i" 30 undefine "$dom" >>"$dir/stop.log" 2>&1 || true
      n=$((n + 1))
    done < <(virsh_host "$i" 30 list --all --name 2>>"$dir/stop.log")
  fi
  ((n == 0)) || say "host$i: removed $n domain(s)"
}

stop_hosts() {
  local i dir pid pids=() netns
  # Tests treat an existing env file as "the test bed is up".
  rm -f "$ENV_FILE"
  for i in "${HOSTS[@]}"; do remove_domains "$i"; done
  remove_networks "$NET_HOST"
  netns="$(host_netns)"
  # libvirtd first (it talks to virtlogd while shutting down), then virtlogd.
  for i in "${HOSTS[@]}"; do
    pid="$(host_daemon_pid "$i" libvirtd)" && pids+=("$pid")
  done
  kill_pids 15 "${pids[@]}"
  pids=()
  for i in "${HOSTS[@]}"; do
    pid="$(host_daemon_pid "$i" virtlogd)" && pids+=("$pid")
  done
  kill_pids 10 "${pids[@]}"
  for i in "${HOSTS[@]}"; do
    dir="$(host_dir "$i")"
    pids=()
    for pid in $(host_qemu_pids "$dir"); do pids+=("$pid"); done
    if ((${#pids[@]} > 0)); then
      say "host$i: killing leftover qemu pid(s) ${pids[*]}"
      kill_pids 5 "${pids[@]}"
    fi
    pids=()
    for pid in $(host_dnsmasq_pids "$dir"); do pids+=("$pid"); done
    if ((${#pids[@]} > 0)); then
      say "host$i: killing leftover dnsmasq pid(s) ${pids[*]}"
      kill_pids 5 "${pids[@]}"
    fi
    [[ "$i" != "$NET_HOST" || -z "$netns" ]] || stop_netns "$netns"
    say "host$i: stopped"
  done
}

# Whatever still runs in the network host's namespace after its daemons stopped (nothing, normally) is
# killed, so the namespace, its bridges, taps and firewall rules are gone.
stop_netns() {
  local ns="$1" pids=() pid
  for pid in $(netns_pids "$ns"); do pids+=("$pid"); done
  if ((${#pids[@]} > 0)); then
    say "host$NET_HOST: killing pid(s) ${pids[*]} left in its network namespace $ns"
    kill_pids 5 "${pids[@]}"
  fi
  pids=()
  for pid in $(netns_pids "$ns"); do pids+=("$pid"); done
  ((${#pids[@]} == 0)) || die "host$NET_HOST: pid(s) ${pids[*]} still in network namespace $ns"
}

status_host() {
  local i="$1" uri pid
  uri="$(host_uri "$i")"
  if pid="$(host_daemon_pid "$i" libvirtd)"; then
    if answers "$i"; then
      local extra=''
      [[ "$i" != "$NET_HOST" ]] || extra=" (network namespace $(host_netns))"
      say "host$i: running, answers (pid $pid) $uri$extra"
    else
      say "host$i: running (pid $pid) but does NOT answer on $uri"
      return 1
    fi
  else
    say "host$i: stopped"
    return 1
  fi
}

main() {
  local cmd="${1:-}" i rc=0
  case "$cmd" in
    __ns-start)
      ns_start "$2"
      ;;
    start)
      require_root "hosts.sh start"
      check_state_path
      check_socket_paths
      init_state
      for bin in libvirtd virtlogd virsh unshare qemu-system-x86_64 saslpasswd2 ip iptables dnsmasq; do
        command -v "$bin" >/dev/null || die "$bin missing: run scripts/testbed/install-deps.sh first"
      done
      getent passwd libvirt-qemu >/dev/null ||
        die "system user libvirt-qemu missing (libvirt's QEMU driver needs it): run scripts/testbed/install-deps.sh first"
      mkdir -p "$IMAGES"
      seed_caps_caches
      for i in "${HOSTS[@]}"; do launch_host "$i"; done
      for i in "${HOSTS[@]}"; do wait_host "$i"; done
      write_env
      say "env: $ENV_FILE"
      ;;
    stop)
      require_root "hosts.sh stop"
      check_state_path
      stop_hosts
      ;;
    status)
      for i in "${HOSTS[@]}"; do status_host "$i" || rc=1; done
      return "$rc"
      ;;
    *)
      echo "usage: $0 start|stop|status" >&2
      return 2
      ;;
  esac
}

main "$@"
