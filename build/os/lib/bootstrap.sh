# Stage 1: a Debian tree with our packages, upgraded from -updates and -security,
# plus the extracted kernel package. Sourced by build.sh. Its hash is part of the
# base cache key, so editing it rebuilds the tree (the .debs stay cached).

# bootstrap_base DEST: creates DEST/rootfs, DEST/kernel (the extracted kernel
# package) and DEST/busybox-static (the initramfs' only program).
bootstrap_base() {
  local dest=$1 root=$1/rootfs
  mkdir -p "$dest"
  log "debootstrap $SUITE/$DEB_ARCH (minbase + $(package_list))"
  debootstrap --variant=minbase --arch="$DEB_ARCH" --cache-dir="$CACHE/debs" \
    --include="$(package_list)" "$SUITE" "$root" "$MIRROR" >"$dest/debootstrap.log" 2>&1 ||
    { tail -n 30 "$dest/debootstrap.log" >&2; die "debootstrap failed"; }

  cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
  # No service may start inside the build chroot.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  mount -t proc proc "$root/proc"
  mount --bind "$CACHE/debs" "$root/var/cache/apt/archives"

  log "apt upgrade from $SUITE-updates and $SUITE-security; download $KERNEL_PKG"
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -ec '
    apt-get -q update
    apt-get -q -y -o Dpkg::Options::=--force-confold --no-install-recommends dist-upgrade
    apt-get -q -y --no-install-recommends --download-only install '"$KERNEL_PKG"'
    cd /var/cache/apt/archives && apt-get -q download busybox-static
    apt-cache show --no-all-versions busybox-static | sed -n "s/^Version: //p" >/tmp/busybox-ver
    apt-cache depends '"$KERNEL_PKG"' | sed -n "s/^ *Depends: \(linux-image-[^ ]*\)$/\1/p" | head -n1 >/tmp/kernel-pkg
    apt-cache show --no-all-versions "$(cat /tmp/kernel-pkg)" | sed -n "s/^Version: //p" >/tmp/kernel-ver
  ' >>"$dest/debootstrap.log" 2>&1 || { tail -n 30 "$dest/debootstrap.log" >&2; die "apt in chroot failed"; }

  local kpkg kver kdeb
  kpkg=$(cat "$root/tmp/kernel-pkg")
  kver=$(cat "$root/tmp/kernel-ver")
  [ -n "$kpkg" ] && [ -n "$kver" ] || die "could not resolve the package behind $KERNEL_PKG"
  kdeb=$CACHE/debs/${kpkg}_${kver/:/%3a}_$DEB_ARCH.deb
  [ -f "$kdeb" ] || die "kernel package not downloaded: $kdeb"
  log "kernel package $(basename "$kdeb")"
  mkdir -p "$dest/kernel"
  dpkg-deb -x "$kdeb" "$dest/kernel"
  echo "$kver" >"$dest/kernel/package-version"

  local bb
  bb=$(cat "$root/tmp/busybox-ver")
  bb=$CACHE/debs/busybox-static_${bb/:/%3a}_$DEB_ARCH.deb
  [ -f "$bb" ] || die "busybox-static not downloaded: $bb"
  mkdir -p "$dest/busybox-static"
  dpkg-deb -x "$bb" "$dest/busybox-static"

  umount "$root/var/cache/apt/archives" "$root/proc"
  rm -f "$root/tmp/kernel-pkg" "$root/tmp/kernel-ver" "$root/tmp/busybox-ver" "$root/usr/sbin/policy-rc.d"
  rm -rf "$root/var/lib/apt/lists/"*
}
