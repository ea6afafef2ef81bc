#!/usr/bin/env bash
# Builds the Dlite guest OS (kernel + initramfs) from Debian packages.
#
#   bash build/os/build.sh [--arch amd64|arm64] [--out DIR] [--compress zstd|xz] [--no-cache]
#
# DLITE_OS_SUITE picks the Debian release (default trixie; bookworm still builds).
# Output (default build/os/out/<arch>/): the kernel (bzImage on amd64, Image on
# arm64), rootfs.cpio.<zst|xz> and manifest.json. Needs root (debootstrap, chroot).
#
# Two cache levels under ${DLITE_OS_CACHE:-/var/cache/dlite/os}:
#   debs/            downloaded .deb files (debootstrap --cache-dir and apt archives)
#   base/<basekey>/  the debootstrapped tree + extracted kernel package, keyed by
#                    packages.txt, lib/bootstrap.sh, arch and suite
#   <key>/           finished outputs, keyed by every input of this folder
# A build whose key is cached only hardlinks (or copies) the outputs into --out.
set -euo pipefail

OS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
. "$OS_DIR/lib/common.sh"
# shellcheck source=lib/bootstrap.sh
. "$OS_DIR/lib/bootstrap.sh"
# shellcheck source=lib/foreign.sh
. "$OS_DIR/lib/foreign.sh"
# shellcheck source=lib/assemble.sh
. "$OS_DIR/lib/assemble.sh"
# shellcheck source=lib/xtables.sh
. "$OS_DIR/lib/xtables.sh"
# shellcheck source=lib/kernel-features.sh
. "$OS_DIR/lib/kernel-features.sh"

ARCH=amd64
OUT=
COMPRESS=zstd
USE_CACHE=1
SUITE=${DLITE_OS_SUITE:-trixie}
MIRROR=${DLITE_OS_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DLITE_OS_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
CACHE=${DLITE_OS_CACHE:-/var/cache/dlite/os}
# Lower it (e.g. 3) for quick local iterations; part of the cache key.
ZSTD_LEVEL=${DLITE_OS_ZSTD_LEVEL:-19}

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case $1 in
    --arch) ARCH=$2; shift 2 ;;
    --arch=*) ARCH=${1#*=}; shift ;;
    --out) OUT=$2; shift 2 ;;
    --out=*) OUT=${1#*=}; shift ;;
    --compress) COMPRESS=$2; shift 2 ;;
    --compress=*) COMPRESS=${1#*=}; shift ;;
    --no-cache) USE_CACHE=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

arch_setup "$ARCH"          # sets KERNEL_PKG, KERNEL_NAME, DEB_ARCH
case $COMPRESS in zstd | lz4) INITRD_NAME=rootfs.cpio.zst ;; xz) INITRD_NAME=rootfs.cpio.xz ;; *) die "--compress must be zstd, lz4 or xz" ;; esac
OUT=${OUT:-$OS_DIR/out/$ARCH}
[ "$(id -u)" = 0 ] || die "must run as root (debootstrap and chroot need it)"
require_tools debootstrap chroot cpio zstd xz depmod modprobe sha256sum dpkg-deb flock apt-get mksquashfs readelf \
  curl make
[ "$FOREIGN" = 0 ] || ensure_binfmt

mkdir -p "$CACHE/debs" "$CACHE/base" "$OUT"
exec 9>"$CACHE/.lock"
flock 9

KEY=$(inputs_key "$ARCH" "$SUITE" "$COMPRESS-$ZSTD_LEVEL")
BASE_KEY=$(base_key "$ARCH" "$SUITE")
DEST=$CACHE/$KEY
log "inputs key $KEY (arch $ARCH, suite $SUITE, $COMPRESS)"

if [ "$USE_CACHE" = 1 ] && [ -f "$DEST/manifest.json" ]; then
  log "cache hit: $DEST"
  touch "$DEST"
else
  [ "$USE_CACHE" = 1 ] || rm -rf "$CACHE/base/$BASE_KEY"
  WORK=$(mktemp -d "$CACHE/work.XXXXXX")
  trap 'cleanup_work "$WORK"' EXIT
  if [ ! -f "$CACHE/base/$BASE_KEY/.complete" ]; then
    rm -rf "$CACHE/base/$BASE_KEY"
    if [ "$FOREIGN" = 1 ]; then bootstrap_foreign "$WORK/base"; else bootstrap_base "$WORK/base"; fi
    mv "$WORK/base" "$CACHE/base/$BASE_KEY"
    echo "$ARCH $SUITE" >"$CACHE/base/$BASE_KEY/.variant"
    touch "$CACHE/base/$BASE_KEY/.complete"
  else
    log "base tree cached: $CACHE/base/$BASE_KEY"
  fi
  assemble "$CACHE/base/$BASE_KEY" "$WORK" "$WORK/result"
  write_manifest "$WORK/result" "$WORK/versions.env"
  rm -rf "$DEST"
  mv "$WORK/result" "$DEST"
  prune_cache
fi

for f in "$KERNEL_NAME" "$INITRD_NAME" manifest.json; do
  rm -f "$OUT/$f"
  ln "$DEST/$f" "$OUT/$f" 2>/dev/null || cp "$DEST/$f" "$OUT/$f"
done
node "$OS_DIR/index-entry.mjs" "$OUT"
log "done: $OUT ($(du -h "$OUT/$INITRD_NAME" | cut -f1) initramfs, $(elapsed)s)"
