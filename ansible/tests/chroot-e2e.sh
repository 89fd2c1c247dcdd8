#!/usr/bin/env bash
# End-to-end run of the playbooks against three chroot "hosts" on this machine, until the test
# nodes (testbed/) exist. Each node is a copy of a debootstrap'd Debian 12 root (python3,
# python3-apt, openjdk-17-jre-headless, adduser; no systemd, so the role drives the LSB init
# script as on the test nodes), reached with the community.general.chroot connection (Debian's
# `ansible` package), listening on 127.0.1.1-3 with ports 17400/17500/17600.
#
# The package: --deb FILE installs a real tempokv_<v>_all.deb (its repack with version
# <v>+e2e1 is the upgrade); without it the script builds a minimal STAND-IN package from this
# checkout's server build (launcher, LSB init script, tempokv user), which only stands in for
# packaging/ and proves nothing about the real package.
#
# Scenario, each step checked: site.yml on fresh nodes; a put and a get; site.yml again changes
# nothing; a heap change restarts every node one at a time; site.yml refuses a new version under
# running nodes; upgrade.yml; rolling-restart.yml; a new shard count is refused; with one node
# down rolling-restart.yml refuses and restarts nothing; a node whose data was deleted is
# refused; wipe.yml refuses without confirmation and with --limit, then wipes; site.yml starts
# the empty cluster; stop.yml. Last line: "N passed, M failed"; exit 1 on any failure.
#
# Runs as root; touches only its work directory (TEMPOKV_E2E_DIR, default /var/tmp/tempokv-e2e,
# whose Debian root is kept as a cache) and mounts /proc and /dev into the chroots while it
# runs; the nodes' JVMs are host processes, stopped at the end. Takes 15-25 minutes on 2 shared cores
# (the first run also downloads about 200 MB of Debian packages).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ansible_dir="$(dirname "$here")"
repo="$(dirname "$ansible_dir")"
dir="${TEMPOKV_E2E_DIR:-/var/tmp/tempokv-e2e}"
deb=""
while [ $# -gt 0 ]; do
  case "$1" in
    --deb) deb="$(realpath "$2")"; shift 2 ;;
    *) echo "usage: $0 [--deb tempokv_<version>_all.deb]" >&2; exit 64 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "run as root (chroot, mount)" >&2; exit 64; }
for p in 17400 17500 17600; do
  if ss -Hltn "sport = :$p" | grep -q .; then echo "port $p is in use on this machine; stop what uses it" >&2; exit 69; fi
done
command -v debootstrap >/dev/null || { echo "needs debootstrap: apt-get install debootstrap" >&2; exit 69; }
ansible-doc -t connection community.general.chroot >/dev/null 2>&1 ||
  { echo "needs the community.general collection: apt-get install ansible" >&2; exit 69; }

export ANSIBLE_CONFIG="$ansible_dir/ansible.cfg" ANSIBLE_NOCOLOR=1
mkdir -p "$dir"
log="$dir/logs"
rm -rf "$log" && mkdir -p "$log"
nodes=(n1 n2 n3)
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }

teardown() {
  for n in "${nodes[@]}"; do
    [ -d "$dir/$n" ] || continue
    [ -x "$dir/$n/etc/init.d/tempokv" ] && chroot "$dir/$n" /etc/init.d/tempokv stop >/dev/null 2>&1 || true
    mountpoint -q "$dir/$n/proc" && umount "$dir/$n/proc"
    mountpoint -q "$dir/$n/dev" && umount "$dir/$n/dev"
  done
  return 0
}
trap teardown EXIT

# --- the Debian root, made once --------------------------------------------------------------
if [ ! -x "$dir/rootfs/usr/bin/java" ]; then
  echo "debootstrap bookworm into $dir/rootfs (once) ..."
  rm -rf "$dir/rootfs"
  debootstrap --variant=minbase \
    --include=python3,python3-apt,openjdk-17-jre-headless,adduser,procps,init-system-helpers \
    bookworm "$dir/rootfs" http://deb.debian.org/debian >"$log/debootstrap.log" 2>&1 ||
    { tail -20 "$log/debootstrap.log"; exit 1; }
fi

# --- the packages ------------------------------------------------------------------------------
pkg="$dir/pkg"
rm -rf "$pkg" && mkdir -p "$pkg"
build_standin() { # VERSION
  local root="$pkg/root"
  rm -rf "$root"
  mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/tempokv/lib" "$root/etc/tempokv" "$root/etc/default" \
    "$root/etc/init.d"
  cp "$repo/server/target/tempokv-server.jar" "$repo"/server/target/lib/*.jar "$root/usr/share/tempokv/lib/"
  cat >"$root/usr/bin/tempokv" <<'EOF'
#!/bin/sh
# stand-in launcher for the Ansible e2e test
exec java ${TEMPOKV_JAVA_OPTS:--Xmx1g} --add-opens java.base/sun.nio.ch=ALL-UNNAMED -cp '/usr/share/tempokv/lib/*' io.tempokv.server.cli.Main "$@"
EOF
  printf 'data-dir: /var/lib/tempokv\n' >"$root/etc/tempokv/tempokv.yaml"
  printf 'TEMPOKV_JAVA_OPTS="-Xmx512m"\n' >"$root/etc/default/tempokv"
  cat >"$root/etc/init.d/tempokv" <<'EOF'
#!/bin/sh
### BEGIN INIT INFO
# Provides:          tempokv
# Required-Start:    $remote_fs $network
# Required-Stop:     $remote_fs $network
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: tempokv node (stand-in for the Ansible e2e test)
### END INIT INFO
PIDFILE=/run/tempokv.pid
LOG=/var/log/tempokv/tempokv.log
[ -r /etc/default/tempokv ] && . /etc/default/tempokv
export TEMPOKV_JAVA_OPTS
case "$1" in
  start)
    start-stop-daemon --status --pidfile "$PIDFILE" && exit 0
    exec start-stop-daemon --start --background --make-pidfile --pidfile "$PIDFILE" --chuid tempokv:tempokv \
      --chdir /var/lib/tempokv --exec /bin/sh -- -c \
      "exec /usr/bin/tempokv server --config /etc/tempokv/tempokv.yaml >>$LOG 2>&1 </dev/null" ;;
  stop)
    start-stop-daemon --stop --pidfile "$PIDFILE" --retry TERM/30/KILL/5 --remove-pidfile
    rc=$?; [ $rc -eq 1 ] && rc=0; exit $rc ;;
  restart|force-reload) "$0" stop && exec "$0" start ;;
  status)
    start-stop-daemon --status --pidfile "$PIDFILE"; rc=$?
    if [ $rc -eq 0 ]; then echo "tempokv is running"; else echo "tempokv is not running"; fi
    exit $rc ;;
  *) echo "Usage: $0 {start|stop|restart|status}" >&2; exit 2 ;;
esac
EOF
  chmod 755 "$root/usr/bin/tempokv" "$root/etc/init.d/tempokv"
  printf '/etc/tempokv/tempokv.yaml\n/etc/default/tempokv\n/etc/init.d/tempokv\n' >"$root/DEBIAN/conffiles"
  cat >"$root/DEBIAN/control" <<EOF
Package: tempokv
Version: $1
Architecture: all
Maintainer: tempokv e2e stand-in <nobody@example.invalid>
Depends: openjdk-17-jre-headless | java17-runtime-headless, adduser
Description: stand-in tempokv package for the Ansible e2e test
EOF
  cat >"$root/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  getent passwd tempokv >/dev/null || adduser --system --group --home /var/lib/tempokv --no-create-home tempokv
  install -d -o tempokv -g tempokv -m 0750 /var/lib/tempokv
  install -d -o tempokv -g adm -m 0750 /var/log/tempokv
fi
EOF
  chmod 755 "$root/DEBIAN/postinst"
  dpkg-deb --root-owner-group --build "$root" "$pkg/tempokv_$1_all.deb" >/dev/null
  echo "$pkg/tempokv_$1_all.deb"
}
if [ -n "$deb" ]; then
  v1="$(dpkg-deb -f "$deb" Version)"
  v2="$v1+e2e1"
  deb1="$deb"
  dpkg-deb -R "$deb" "$pkg/re"
  sed -i "s/^Version: .*/Version: $v2/" "$pkg/re/DEBIAN/control"
  deb2="$pkg/tempokv_${v2}_all.deb"
  dpkg-deb --root-owner-group --build "$pkg/re" "$deb2" >/dev/null
else
  [ -f "$repo/server/target/tempokv-server.jar" ] ||
    (cd "$repo" && mvn -q -B -DskipTests install) >"$log/build.log" 2>&1 || { cat "$log/build.log"; exit 1; }
  v1=0.0.1~e2e
  v2=0.0.2~e2e
  deb1="$(build_standin "$v1")"
  deb2="$(build_standin "$v2")"
fi
echo "packages: $deb1 -> $deb2"

# --- the nodes ---------------------------------------------------------------------------------
for i in 1 2 3; do
  n="n$i"
  # A run killed before its teardown leaves the mounts: never let rm descend into /proc or /dev.
  mountpoint -q "$dir/$n/proc" && umount "$dir/$n/proc"
  mountpoint -q "$dir/$n/dev" && umount "$dir/$n/dev"
  rm -rf --one-file-system "${dir:?}/$n"
  cp -a "$dir/rootfs" "$dir/$n"
  mount -t proc proc "$dir/$n/proc"
  mount --bind /dev "$dir/$n/dev"
  echo "$n" >"$dir/$n/etc/hostname"
done
inv="$dir/hosts.yml"
cat >"$inv" <<EOF
all:
  children:
    tempokv:
      hosts:
        n1: {ansible_host: $dir/n1, tempokv_address: 127.0.1.1, tempokv_listen: 127.0.1.1}
        n2: {ansible_host: $dir/n2, tempokv_address: 127.0.1.2, tempokv_listen: 127.0.1.2}
        n3: {ansible_host: $dir/n3, tempokv_address: 127.0.1.3, tempokv_listen: 127.0.1.3}
      vars:
        ansible_connection: community.general.chroot
        ansible_python_interpreter: /usr/bin/python3
        tempokv_client_port: 17400
        tempokv_peer_port: 17500
        tempokv_http_port: 17600
        tempokv_jvm_heap: 256m
        tempokv_rolling_settle_seconds: 1
EOF
endpoints=127.0.1.1:17400,127.0.1.2:17400,127.0.1.3:17400
cli() { "$repo/tempokv" "$@" --endpoints "$endpoints"; }

# play NAME PLAYBOOK [args]: runs it with the log in $log/NAME.log; returns its exit code.
play() {
  local name="$1" book="$2"
  shift 2
  (cd "$ansible_dir" && ansible-playbook -i "$inv" "$book" "$@") >"$log/$name.log" 2>&1
}
ok() { if play "$@"; then pass "$1"; else fail "$1" "see $log/$1.log"; fi; }
# refused NAME MESSAGE PLAYBOOK [args]: the play must fail and say MESSAGE.
refused() {
  local name="$1" message="$2"
  shift 2
  if play "$name" "$@"; then
    fail "$name" "the play succeeded"
  elif tr '\n' ' ' <"$log/$name.log" | tr -s ' ' | grep -qF -- "$message"; then
    pass "$name"
  else
    fail "$name" "failed without '$message' (see $log/$name.log)"
  fi
}
# The JVM of each node: the java process whose root directory is that node's chroot.
pids() {
  local n p found
  for n in "${nodes[@]}"; do
    found=none
    for p in $(pgrep -x java || true); do
      if [ "$(readlink "/proc/$p/root" 2>/dev/null)" = "$dir/$n" ]; then found=$p; fi
    done
    printf '%s ' "$found"
  done
}
versions() { for n in "${nodes[@]}"; do chroot "$dir/$n" dpkg-query -W -f='${Version} ' tempokv; done; }
unchanged() { # NAME: every host of the last play reported changed=0
  if grep -E '^n[0-9] +:' "$log/$1.log" | grep -qv 'changed=0 '; then fail "$1-changes-nothing"; else pass "$1-changes-nothing"; fi
}

# --- the scenario ------------------------------------------------------------------------------
site=(site.yml -e "tempokv_deb_file=$deb1")
ok site-fresh "${site[@]}"
if cli put e2e-key before --timeout 120 >"$log/put.log" 2>&1 && [ "$(cli get e2e-key 2>>"$log/put.log")" = before ]; then
  pass put-get
else
  fail put-get "see $log/put.log"
fi
ok site-again "${site[@]}"
unchanged site-again

before="$(pids)"
ok site-heap-change "${site[@]}" -e tempokv_jvm_heap=300m
after="$(pids)"
if [ "$(grep -c 'changed: \[n[0-9]\]$' <(sed -n '/Restart changed nodes/,/Check the whole cluster/p' "$log/site-heap-change.log"))" -eq 3 ] &&
  [ "$(comm -12 <(tr ' ' '\n' <<<"$before" | sort) <(tr ' ' '\n' <<<"$after" | sort) | grep -c .)" -eq 0 ]; then
  pass heap-change-restarts-each-node
else
  fail heap-change-restarts-each-node "pids $before -> $after"
fi

refused site-refuses-new-version "Use upgrade.yml" site.yml -e "tempokv_deb_file=$deb2" -e tempokv_jvm_heap=300m
ok upgrade upgrade.yml -e "tempokv_deb_file=$deb2" -e tempokv_jvm_heap=300m
if [ "$(versions)" = "$v2 $v2 $v2 " ] && [ "$(cli get e2e-key 2>/dev/null)" = before ]; then
  pass upgraded-and-data-kept
else
  fail upgraded-and-data-kept "versions $(versions)"
fi
before="$(pids)"
ok rolling-restart rolling-restart.yml
[ "$(comm -12 <(tr ' ' '\n' <<<"$before" | sort) <(tr ' ' '\n' <<<"$(pids)" | sort) | grep -c .)" -eq 0 ] &&
  pass rolling-restart-restarted-all || fail rolling-restart-restarted-all

refused shard-change-refused "different number of shards" site.yml -e "tempokv_deb_file=$deb2" \
  -e tempokv_jvm_heap=300m -e tempokv_shards=3

chroot "$dir/n3" /etc/init.d/tempokv stop >/dev/null
before="$(pids)"
refused rolling-restart-refuses-with-a-node-down "the cluster is not healthy" rolling-restart.yml \
  -e tempokv_health_retries=3
[ "$(pids)" = "$before" ] && pass nothing-restarted-while-degraded || fail nothing-restarted-while-degraded

rm -rf "${dir:?}/n3/var/lib/tempokv/"*
refused node-without-data-refused "has no data in /var/lib/tempokv" site.yml -e "tempokv_deb_file=$deb2" \
  -e tempokv_jvm_heap=300m
[ "$(pids | cut -d' ' -f3)" = none ] && pass node-without-data-stays-stopped || fail node-without-data-stays-stopped

refused wipe-needs-confirmation "pass -e tempokv_wipe_confirm=yes-delete-all-data" wipe.yml
refused wipe-refuses-part "wipe must cover every member" wipe.yml -e tempokv_wipe_confirm=yes-delete-all-data \
  --limit n1
[ "$(pids | cut -d' ' -f1)" != none ] && [ -n "$(ls -A "$dir/n1/var/lib/tempokv")" ] &&
  pass partial-wipe-left-n1-alone || fail partial-wipe-left-n1-alone
ok wipe wipe.yml -e tempokv_wipe_confirm=yes-delete-all-data
if [ -z "$(for n in "${nodes[@]}"; do ls -A "$dir/$n/var/lib/tempokv"; done)" ] && [ "$(pids)" = "none none none " ]; then
  pass wiped-and-stopped
else
  fail wiped-and-stopped "pids $(pids)"
fi
ok site-after-wipe site.yml -e "tempokv_deb_file=$deb2" -e tempokv_jvm_heap=300m
rc=0
cli get e2e-key >/dev/null 2>&1 || rc=$?
[ "$rc" = 3 ] && pass key-gone-after-wipe || fail key-gone-after-wipe "get exit $rc"
ok stop stop.yml
[ "$(pids)" = "none none none " ] && pass stopped || fail stopped "pids $(pids)"

echo "logs: $log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
