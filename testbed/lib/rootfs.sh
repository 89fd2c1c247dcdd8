# shellcheck shell=bash
# The shared node root filesystem: debootstrap --variant=minbase + TB_PACKAGES, made once into a
# temporary directory and renamed into place, so a crash never leaves a half-made cache.
# Sourced after common.sh.

TB_ROOTFS_STAMP="$TB_ROOTFS/.tempokv-testbed-rootfs"

tb_rootfs_stamp_text() {
  echo "version=$TB_ROOTFS_VERSION"
  echo "suite=$TB_SUITE"
  echo "packages=${TB_PACKAGES[*]}"
}

# Runs "$@" in a private mount namespace: whatever it mounts disappears when it ends, also when
# it crashes, so a failed build leaves no mount behind on the host.
tb_private_mounts() {
  unshare --mount --propagation private -- "$@"
}

tb_ensure_rootfs() {
  mkdir -p "$TB_CACHE_ROOT"
  # One builder at a time across all TESTBED_IDs; the others wait and then reuse its result.
  local lockfd
  exec {lockfd}>"$TB_CACHE_ROOT/.rootfs-$TB_SUITE.lock"
  flock -w 3600 "$lockfd" || tb_die "waited an hour for another rootfs build"

  if [ -f "$TB_ROOTFS_STAMP" ]; then
    if [ "$(cat "$TB_ROOTFS_STAMP")" != "$(tb_rootfs_stamp_text)" ]; then
      tb_log "warning: $TB_ROOTFS was made by another recipe (see $TB_ROOTFS_STAMP);"
      tb_log "  using it anyway. To rebuild: testbed/down (every TESTBED_ID using it), then testbed/down --purge-cache"
    fi
    exec {lockfd}>&-
    return 0
  fi
  [ -e "$TB_ROOTFS" ] && tb_die "$TB_ROOTFS exists but has no stamp: remove it with testbed/down --purge-cache"

  if ! command -v debootstrap >/dev/null 2>&1; then
    tb_log "installing debootstrap on the host"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q debootstrap >&2 \
      || tb_die "apt-get install debootstrap failed (run apt-get update first?)"
  fi

  # Leftovers of builds that crashed (we hold the lock, so nobody is building them now).
  local old
  for old in "$TB_CACHE_ROOT/rootfs-$TB_SUITE.tmp."*; do
    [ -e "$old" ] || continue
    tb_log "removing the leftover of an interrupted build: $old"
    tb_umount_under "$old"
    rm -rf --one-file-system "$old"
  done

  local tmp t0
  tmp="$(mktemp -d "$TB_CACHE_ROOT/rootfs-$TB_SUITE.tmp.XXXXXX")"
  chmod 755 "$tmp"
  t0=$SECONDS
  tb_log "building the node root filesystem (once; later runs reuse $TB_ROOTFS)"
  tb_log "  debootstrap --variant=minbase $TB_SUITE from $TB_MIRROR (log: $tmp.log)"
  if ! tb_private_mounts debootstrap --variant=minbase "$TB_SUITE" "$tmp" "$TB_MIRROR" >"$tmp.log" 2>&1; then
    tail -n 20 "$tmp.log" >&2
    tb_die "debootstrap failed (full log: $tmp.log; the half-made tree is removed on the next run)"
  fi

  # Smaller nodes: no man pages, docs (copyright kept) or translations.
  cat >"$tmp/etc/dpkg/dpkg.cfg.d/01-tempokv-testbed-nodoc" <<'EOF'
path-exclude=/usr/share/man/*
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
EOF
  # No service starts while packages are installed here (there is no network namespace yet).
  # Removed again below: in the nodes, postinst scripts behave as on a VM.
  printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
  chmod 755 "$tmp/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "$tmp/etc/resolv.conf"

  tb_log "  apt-get install ${TB_PACKAGES[*]}"
  # shellcheck disable=SC2016
  if ! tb_private_mounts bash -euo pipefail -c '
        root="$1"; shift
        mount -t proc proc "$root/proc"
        mount -t sysfs sysfs "$root/sys"
        mount --rbind /dev "$root/dev"
        export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
        chroot "$root" apt-get update -q
        chroot "$root" apt-get install -y -q --no-install-recommends "$@"
        chroot "$root" apt-get clean
      ' _ "$tmp" "${TB_PACKAGES[@]}" >>"$tmp.log" 2>&1; then
    tail -n 20 "$tmp.log" >&2
    tb_die "installing packages into the rootfs failed (full log: $tmp.log)"
  fi

  # Per-node identity is made when a node first boots: host keys, machine-id, hostname.
  rm -f "$tmp"/etc/ssh/ssh_host_*_key "$tmp"/etc/ssh/ssh_host_*_key.pub "$tmp/usr/sbin/policy-rc.d"
  : >"$tmp/etc/machine-id"
  rm -f "$tmp/var/lib/dbus/machine-id"
  echo localhost >"$tmp/etc/hostname"
  echo "# tempokv testbed node: no DNS (names are in /etc/hosts)" >"$tmp/etc/resolv.conf"
  tb_rootfs_stamp_text >"$tmp/.tempokv-testbed-rootfs"
  mv "$tmp.log" "$tmp/.tempokv-testbed-build.log"
  sync -f "$tmp"
  mv -T "$tmp" "$TB_ROOTFS"
  tb_log "rootfs ready in $((SECONDS - t0)) s: $(du -sh "$TB_ROOTFS" | cut -f1) at $TB_ROOTFS"
  exec {lockfd}>&-
}
