# Stage 1: a Debian tree with our packages, upgraded from -updates and -security,
# plus the extracted kernel package. Sourced by build.sh. Its hash is part of the
# base cache key, so editing it rebuilds the tree (the .debs stay cached).
#
# Every bootstrap leaves in DEST:
#   rootfs/            the root file system (configured, not yet trimmed)
#   kernel/            the kernel package, modules under lib/modules/<kver>, uncompressed
#   busybox-static/    the extracted busybox-static package (the initramfs' only program)
#   package-versions   "name version" of every package in rootfs/

# bootstrap_base DEST: the native path (the build machine's own architecture):
# debootstrap, then apt in the chroot. Foreign architectures: lib/foreign.sh.
bootstrap_base() {
  local dest=$1 root=$1/rootfs
  mkdir -p "$dest"
  # packages.txt is installed by apt afterwards: debootstrap's resolver takes the first
  # alternative of every dependency (systemd for openssh-server's "systemd | systemd-sysusers").
  log "debootstrap $SUITE/$DEB_ARCH (minbase)"
  debootstrap --variant=minbase --arch="$DEB_ARCH" --cache-dir="$CACHE/debs" \
    "$SUITE" "$root" "$MIRROR" >"$dest/debootstrap.log" 2>&1 ||
    { tail -n 30 "$dest/debootstrap.log" >&2; die "debootstrap failed"; }

  write_sources "$root/etc/apt/sources.list"
  # No service may start inside the build chroot.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  mount -t proc proc "$root/proc"
  mount --bind "$CACHE/debs" "$root/var/cache/apt/archives"

  log "apt: upgrade from $SUITE-updates and $SUITE-security, install $(package_list)"
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -ec '
    apt-get -q update
    apt-get -q -y -o Dpkg::Options::=--force-confold --no-install-recommends dist-upgrade
    apt-get -q -y -o Dpkg::Options::=--force-confold --no-install-recommends install '"$(package_list | tr ',' ' ')"'
    apt-get -q -y --no-install-recommends --download-only install '"$KERNEL_PKG"'
    cd /var/cache/apt/archives && apt-get -q download busybox-static
    apt-cache show --no-all-versions busybox-static | sed -n "s/^Version: //p" >/tmp/busybox-ver
    apt-cache depends '"$KERNEL_PKG"' | sed -n "s/^ *Depends: \(linux-image-[^ ]*\)$/\1/p" | head -n1 >/tmp/kernel-pkg
    apt-cache show --no-all-versions "$(cat /tmp/kernel-pkg)" | sed -n "s/^Version: //p" >/tmp/kernel-ver
    dpkg-query -W -f="\${Package} \${Version}\n" >/tmp/package-versions
  ' >>"$dest/debootstrap.log" 2>&1 || { tail -n 30 "$dest/debootstrap.log" >&2; die "apt in chroot failed"; }

  stage_kernel "$(cached_deb "$(cat "$root/tmp/kernel-pkg")" "$(cat "$root/tmp/kernel-ver")")" "$dest/kernel"
  stage_busybox "$(cached_deb busybox-static "$(cat "$root/tmp/busybox-ver")")" "$dest/busybox-static"
  mv "$root/tmp/package-versions" "$dest/package-versions"

  umount "$root/var/cache/apt/archives" "$root/proc"
  rm -f "$root/tmp/kernel-pkg" "$root/tmp/kernel-ver" "$root/tmp/busybox-ver" "$root/usr/sbin/policy-rc.d"
  rm -rf "$root/var/lib/apt/lists/"*
}

# write_sources FILE: the suite, its -updates and its -security, main only.
write_sources() {
  cat >"$1" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
}

# cached_deb NAME VERSION: the path of a downloaded package in the .deb cache.
cached_deb() {
  local name=$1 ver=$2 f
  [ -n "$name" ] && [ -n "$ver" ] || die "could not resolve package $name ($ver)"
  for f in "$CACHE/debs/${name}_${ver/:/%3a}_$DEB_ARCH.deb" "$CACHE/debs/${name}_${ver/:/%3a}_all.deb"; do
    [ -f "$f" ] && { echo "$f"; return; }
  done
  die "package not downloaded: ${name}_${ver} ($DEB_ARCH)"
}

# stage_kernel DEB DIR: extracts the kernel package. Newer Debian kernels keep
# their modules in /usr/lib/modules and compress them (.ko.xz); the builder's
# kmod and the initramfs' busybox insmod want lib/modules and plain .ko (the
# squashfs compresses them anyway, better than xz-inside-zstd).
stage_kernel() {
  local deb=$1 dir=$2
  log "kernel package $(basename "$deb")"
  mkdir -p "$dir"
  dpkg-deb -x "$deb" "$dir"
  if [ -d "$dir/usr/lib/modules" ] && [ ! -d "$dir/lib/modules" ]; then
    mkdir -p "$dir/lib"
    mv "$dir/usr/lib/modules" "$dir/lib/modules"
  fi
  find "$dir/lib/modules" -name '*.ko.xz' -exec xz -d {} +
  find "$dir/lib/modules" -name '*.ko.zst' -exec zstd -q -d --rm {} +
  find "$dir/lib/modules" -name '*.ko.gz' -exec gzip -d {} +
  dpkg-deb -f "$deb" Version >"$dir/package-version"
}

# stage_busybox DEB DIR
stage_busybox() {
  mkdir -p "$2"
  dpkg-deb -x "$1" "$2"
  [ -x "$2/bin/busybox" ] || [ -x "$2/usr/bin/busybox" ] || die "no busybox in $(basename "$1")"
  [ -x "$2/bin/busybox" ] || { mkdir -p "$2/bin"; mv "$2/usr/bin/busybox" "$2/bin/busybox"; }
}
