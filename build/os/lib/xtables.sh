# The guest's iptables: iptables 1.8.11 (legacy only) built static and non-PIE
# from Debian's source tarball, every extension linked in. Sourced by build.sh.
#
# dockerd runs iptables dozens of times while it sets up its networks at boot
# (about 75 runs on a blank disk, 110 on a formatted one, where it restores the
# default bridge, deletes it and creates it again). Debian's iptables is
# dynamically linked and loads one shared object per extension a rule uses, so
# under emulation most of each run was ld.so relocating libraries. A static
# binary has no loader work, and a non-PIE one keeps one address for its code
# from run to run, so QEMU's TCG reuses what it translated the last time.
# Measured in a running guest: 11-13 ms a run for Debian's, 6 ms for this one.

IPTABLES_VERSION=1.8.11
IPTABLES_TARBALL=iptables_$IPTABLES_VERSION.orig.tar.xz
IPTABLES_SHA256=d87303d55ef8c92bcad4dd3f978b26d272013642b029425775f5bad1009fe7b2

# iptables_source: the tarball in the build cache, fetched from the mirror's
# pool once and checked against the pinned digest.
iptables_source() {
  local dir=$CACHE/src file got
  file=$dir/$IPTABLES_TARBALL
  mkdir -p "$dir"
  if [ ! -f "$file" ]; then
    curl -fsSL --retry 3 -o "$file.part" "$MIRROR/pool/main/i/iptables/$IPTABLES_TARBALL" ||
      die "downloading $MIRROR/pool/main/i/iptables/$IPTABLES_TARBALL failed"
    mv "$file.part" "$file"
  fi
  got=$(sha256_of "$file")
  if [ "$got" != "$IPTABLES_SHA256" ]; then
    mv -f "$file" "$file.bad"
    die "$IPTABLES_TARBALL: sha256 $got, expected $IPTABLES_SHA256 (kept as $file.bad)"
  fi
  printf '%s\n' "$file"
}

# build_iptables OUT: xtables-legacy-multi for the guest's architecture. It
# answers to every iptables name (argv[0]); configure-chroot.sh links them.
build_iptables() {
  local out=$1 cc src work host strip
  cc=$(guest_cc) || exit 1
  src=$(iptables_source) || exit 1
  host=${cc%-gcc}
  [ "$host" = "$cc" ] && host=
  strip=${host:+$host-}strip
  work=$(mktemp -d)
  tar -xf "$src" -C "$work" --strip-components=1
  # --disable-nftables etc.: legacy only, no library outside glibc (connlabel
  # would need libnetfilter_conntrack: -m connlabel is the one match left out).
  # -all-static is libtool's way to link the program itself static; -no-pie is
  # needed at configure time too, or its test link of -fno-pie objects fails.
  if ! (cd "$work" &&
    ./configure ${host:+--host=$host} CC="$cc" --prefix=/usr --disable-nftables \
      --enable-static --disable-shared --disable-libnfnetlink --disable-connlabel \
      --disable-dependency-tracking CFLAGS="-O2 -fno-pie" LDFLAGS="-no-pie" &&
    make -j"$(nproc)" LDFLAGS="-all-static -no-pie") >"$work.log" 2>&1; then
    tail -n 30 "$work.log" >&2
    rm -rf "$work" "$work.log"
    die "building iptables $IPTABLES_VERSION failed"
  fi
  "$strip" -o "$out" "$work/iptables/xtables-legacy-multi"
  rm -rf "$work" "$work.log"
  chmod 0755 "$out"
  readelf -h "$out" | grep -q 'Type:[[:space:]]*EXEC' || die "iptables: not a non-PIE executable"
  ! readelf -l "$out" | grep -q 'program interpreter' || die "iptables: not statically linked"
  log "iptables $IPTABLES_VERSION (static) $(stat -c %s "$out") bytes"
}
