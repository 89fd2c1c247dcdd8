# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables are used by the scripts that source this file
# Shared by the testbed/ scripts: names, paths and helpers for one testbed (TESTBED_ID).
# Sourced, never run. The scripts that source it set -euo pipefail themselves.

TESTBED_ID="${TESTBED_ID:-0}"
if ! [[ "$TESTBED_ID" =~ ^[0-9]$ ]]; then
  echo "testbed: TESTBED_ID must be an integer 0..9, got '$TESTBED_ID'" >&2
  exit 64
fi
export TESTBED_ID

TB_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TB_DIR="$(dirname "$TB_LIB")"

TB_SUITE=bookworm
TB_MIRROR="${TESTBED_MIRROR:-http://deb.debian.org/debian}"
TB_CACHE_ROOT=/var/cache/tempokv-testbed
TB_ROOTFS="$TB_CACHE_ROOT/rootfs-$TB_SUITE"
TB_STATE_ROOT=/var/lib/tempokv-testbed
TB_STATE="$TB_STATE_ROOT/$TESTBED_ID"
TB_LOCK="/run/lock/tempokv-testbed-$TESTBED_ID.lock"
TB_BRIDGE="tkvbr$TESTBED_ID"
TB_NET="10.77.$TESTBED_ID"
TB_HOST_IP="$TB_NET.1"
TB_TAG="tempokv-testbed-$TESTBED_ID"   # iptables comment on every host rule we add
TB_MAX_NODES=50

# Packages in the node root filesystem (besides debootstrap's minbase). Everything a tempokv .deb
# needs to install offline (Depends: openjdk-17-jre-headless | java17-runtime-headless, adduser)
# and what Ansible's apt/service modules need on the node (python3, python3-apt).
TB_PACKAGES=(
  openjdk-17-jre-headless openssh-server openssh-client iptables python3 python3-apt
  faketime libfaketime procps psmisc iproute2 iputils-ping curl netcat-openbsd adduser sudo
  less ca-certificates lsb-base sysvinit-utils init-system-helpers apt-utils rsync xz-utils
)
# Bump when the rootfs recipe changes; an older cache is then reported (not silently reused).
TB_ROOTFS_VERSION=2

tb_log() { echo "testbed[$TESTBED_ID]: $*" >&2; }
tb_die() { echo "testbed[$TESTBED_ID]: error: $*" >&2; exit 1; }

tb_require_root() {
  [ "$(id -u)" -eq 0 ] || tb_die "must run as root"
}

# One up/down/selftest at a time per TESTBED_ID (fd 9 held until the script exits).
tb_lock() {
  mkdir -p /run/lock
  exec 9>"$TB_LOCK"
  if ! flock -w 600 9; then
    tb_die "another testbed command holds $TB_LOCK for more than 10 minutes"
  fi
}

tb_node_ip() { echo "$TB_NET.$((10 + $1))"; }
tb_netns() { echo "tkv$TESTBED_ID-n$1"; }
tb_veth() { echo "tkv${TESTBED_ID}n$1"; }
tb_node_dir() { echo "$TB_STATE/nodes/n$1"; }

# Host commands the testbed uses, with the Debian package that has each.
tb_check_host_tools() {
  local missing=() pair cmd pkg
  for pair in ip:iproute2 unshare:util-linux setpriv:util-linux flock:util-linux chroot:coreutils \
              mount:mount ssh:openssh-client ssh-keygen:openssh-client iptables:iptables; do
    cmd="${pair%%:*}"; pkg="${pair#*:}"
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    tb_log "installing host packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q "${missing[@]}" >&2 \
      || tb_die "could not install ${missing[*]} (apt-get update first?)"
  fi
}

# --- processes ----------------------------------------------------------------------------------

# Start time (clock ticks since boot, field 22 of /proc/PID/stat) of a pid, empty if it is gone.
tb_starttime() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  stat="${stat##*) }"          # drop "pid (comm) ", comm may hold spaces
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20}"                 # field 22 overall = 20th after pid and comm
}

# True when the pid recorded in FILE (with its start time in FILE.start) is still that process.
tb_pidfile_alive() {
  local file="$1" pid start
  [ -s "$file" ] || return 1
  pid="$(cat "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  start="$(cat "$file.start" 2>/dev/null || true)"
  [ -n "$start" ] && [ "$(tb_starttime "$pid")" = "$start" ]
}

# SIGKILL the process recorded in FILE if it is still the recorded one; wait up to 10 s for it.
tb_kill_pidfile() {
  local file="$1" pid i
  tb_pidfile_alive "$file" || return 0
  pid="$(cat "$file")"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    [ -d "/proc/$pid" ] || return 0
    # a zombie whose parent has not reaped it yet is dead enough
    [ "$(tb_starttime "$pid")" = "$(cat "$file.start")" ] || return 0
    grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && return 0
    sleep 0.1
  done
  tb_log "warning: pid $pid ($file) did not exit after SIGKILL"
}

# --- mounts -------------------------------------------------------------------------------------

# Mount points at or under PREFIX in this mount namespace, deepest first. /proc/mounts escapes
# spaces as \040; our paths never contain any.
tb_mounts_under() {
  local prefix="$1"
  awk -v p="$prefix" '$2 == p || index($2, p "/") == 1 { print $2 }' /proc/mounts | sort -r
}

tb_umount_under() {
  local prefix="$1" m
  while read -r m; do
    [ -n "$m" ] || continue
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || tb_log "warning: could not unmount $m"
  done < <(tb_mounts_under "$prefix")
}

# --- host firewall ------------------------------------------------------------------------------

# Our rules in the host's FORWARD chain, as `iptables -S` prints them.
tb_host_rules() {
  iptables -w 10 -S FORWARD 2>/dev/null | grep -F -- "--comment $TB_TAG" || true
}

tb_remove_host_rules() {
  local rule
  while read -r rule; do
    [ -n "$rule" ] || continue
    # "-A FORWARD ..." -> "-D FORWARD ..."; the words have no spaces inside (comment is one word)
    # shellcheck disable=SC2086
    iptables -w 10 -D ${rule#-A } 2>/dev/null || tb_log "warning: could not delete host rule: $rule"
  done < <(tb_host_rules)
}
