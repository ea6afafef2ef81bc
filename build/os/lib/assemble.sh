# Stage 2: copy the base tree, add Dlite's files, trim it to what a Docker host
# needs, add the kernel modules and pack the initramfs. Sourced by build.sh.

# assemble BASE WORK RESULT
assemble() {
  local base=$1 work=$2 result=$3 root=$2/rootfs kver
  mkdir -p "$result"
  log "copy base tree"
  cp -a "$base/rootfs" "$root"
  kver=$(ls "$base/kernel/lib/modules")
  [ -n "$kver" ] || die "no modules in kernel package"
  check_kernel_features "$base/kernel/boot/config-$kver"

  log "install overlay and configure (chroot)"
  cp -a "$OS_DIR/rootfs/." "$root/"
  build_mux "$root/usr/lib/dlite/dlite-mux"
  build_iptables "$root/usr/sbin/xtables-legacy-multi"
  # The shell of the boot scripts: busybox-static (usr/lib/dlite/lib.sh says why).
  install -m 0755 "$base/busybox-static/bin/busybox" "$root/usr/lib/dlite/busybox"
  chown -R 0:0 "$root/etc" "$root/usr/lib/dlite"
  cp "$OS_DIR/lib/configure-chroot.sh" "$root/tmp/configure.sh"
  chroot "$root" /bin/sh /tmp/configure.sh
  rm -f "$root/tmp/configure.sh"

  record_versions "$base" "$kver" >"$work/versions.env"
  trim_rootfs "$root"
  prune_libraries "$root"
  install_modules "$root" "$base/kernel" "$kver"
  check_libraries "$root"

  log "rootfs $(du -sm "$root" | cut -f1) MiB; squashfs ($COMPRESS level $ZSTD_LEVEL)"
  build_stage0 "$work/stage0" "$root" "$base" "$kver"
  pack_initramfs "$work/stage0" "$result/$INITRD_NAME"
  install_kernel "$base/kernel" "$kver" "$result/$KERNEL_NAME"
}

# guest_cc: the compiler for the guest's architecture. The host's gcc builds
# against Debian 12's glibc, older than or the same as the guest's; a foreign
# architecture needs its cross compiler.
guest_cc() {
  local cc=gcc
  if [ "$(dpkg --print-architecture)" != "$DEB_ARCH" ]; then
    case $DEB_ARCH in arm64) cc=aarch64-linux-gnu-gcc ;; amd64) cc=x86_64-linux-gnu-gcc ;; esac
  fi
  command -v "$cc" >/dev/null 2>&1 || die "missing host tool: $cc (apt-get install gcc libc6-dev)"
  printf '%s\n' "$cc"
}

# build_mux OUT: compiles the Docker socket transport's agent (mux/dlite-mux.c,
# plain C against glibc).
build_mux() {
  local out=$1 cc
  cc=$(guest_cc) || exit 1
  "$cc" -std=c11 -O2 -Wall -Wextra -Werror -s -o "$out" "$OS_DIR/mux/dlite-mux.c" ||
    die "compiling mux/dlite-mux.c failed"
  log "dlite-mux $(stat -c %s "$out") bytes"
}

# record_versions BASE KVER: the versions the manifest states, from the
# package list the bootstrap recorded (the dpkg database is trimmed away).
record_versions() {
  local base=$1 kver=$2 dv
  pkgver() { awk -v p="$1" '$1 == p { print $2 }' "$base/package-versions"; }
  dv=$(pkgver docker.io)
  [ -n "$dv" ] || die "docker.io is not in $base/package-versions"
  cat <<EOF
KERNEL_VERSION=$kver
KERNEL_PACKAGE_VERSION=$(cat "$base/kernel/package-version")
DOCKER_PACKAGE_VERSION=$dv
DOCKER_VERSION=$(printf '%s' "$dv" | sed -e 's/^[0-9]*://' -e 's/[+~-].*//')
CONTAINERD_PACKAGE_VERSION=$(pkgver containerd)
RUNC_PACKAGE_VERSION=$(pkgver runc)
EOF
}

# Remove what a Docker host never runs: package management, docs, locales,
# interpreters, service managers' files, unused containerd tools.
trim_rootfs() {
  local r=$1 libdir
  log "trim"
  libdir=$(cd "$r" && ls -d usr/lib/*-linux-gnu | head -n1)
  (
    cd "$r"
    rm -rf usr/share/doc usr/share/man usr/share/info usr/share/locale usr/share/i18n \
      usr/share/lintian usr/share/bug usr/share/bash-completion usr/share/zsh usr/share/fish \
      usr/share/menu usr/share/debconf usr/share/perl5 usr/share/perl usr/share/python3 \
      usr/share/pixmaps usr/share/common-licenses usr/share/gcc usr/share/gdb usr/share/doc-base \
      usr/share/keyrings usr/share/debianutils usr/share/pam-configs usr/share/dict \
      usr/share/docker.io usr/share/containerd usr/share/initramfs-tools usr/share/readline \
      usr/lib/locale "$libdir/gconv" usr/share/zoneinfo
    # package management (nothing is installed at run time; the image is replaced whole)
    rm -rf etc/apt usr/lib/apt var/lib/apt var/cache/apt usr/bin/apt* "$libdir"/libapt-* \
      var/lib/dpkg usr/bin/dpkg* usr/sbin/dpkg* usr/lib/dpkg usr/share/dpkg etc/dpkg \
      usr/sbin/update-* etc/cron.daily etc/cron.d etc/logrotate.d usr/share/debhelper
    # interpreters pulled in only by maintainer scripts and nfs-common's python tools
    rm -rf usr/bin/perl* "$libdir"/perl* usr/lib/python3* usr/lib/python3.* usr/bin/python3* \
      "$libdir"/libpython3* usr/sbin/mountstats usr/sbin/nfsiostat usr/bin/pydoc* usr/bin/py3*
    # init systems we do not use
    rm -rf lib/systemd usr/lib/systemd etc/systemd usr/lib/tmpfiles.d usr/lib/sysusers.d \
      usr/lib/udev lib/udev etc/init.d etc/rc[0-6S].d etc/init etc/network etc/cron.*
    # The Docker CLI: clients use the host's CLI through the forwarded socket;
    # at 45 MB it was the largest thing in the image that the engine never runs.
    rm -f usr/bin/docker
    # Tools for managing users, packages and services, none of which happen at
    # run time (no passwords exist; the image is replaced whole).
    rm -f usr/sbin/useradd usr/sbin/userdel usr/sbin/usermod usr/sbin/groupadd usr/sbin/groupdel \
      usr/sbin/groupmod usr/sbin/groupmems usr/sbin/newusers usr/sbin/chpasswd usr/sbin/chgpasswd \
      usr/sbin/cpgr usr/sbin/cppw usr/sbin/grpck usr/sbin/pwck usr/sbin/vipw usr/sbin/vigr \
      usr/sbin/grpconv usr/sbin/grpunconv usr/sbin/pwconv usr/sbin/pwunconv usr/sbin/adduser \
      usr/sbin/addgroup usr/sbin/deluser usr/sbin/delgroup usr/sbin/invoke-rc.d usr/sbin/service \
      usr/sbin/installkernel usr/sbin/pam-auth-update usr/sbin/sudo_logsrvd usr/sbin/sudo_sendlog \
      usr/bin/passwd usr/bin/chage usr/bin/chfn usr/bin/chsh usr/bin/expiry usr/bin/gpasswd \
      usr/bin/newgrp usr/bin/sg usr/bin/cvtsudoers usr/bin/debconf* usr/bin/deb-systemd-* \
      usr/bin/update-alternatives usr/bin/ucf usr/bin/ucfq usr/bin/ucfr usr/bin/pygettext3* usr/bin/pdb3* \
      usr/bin/openssl usr/bin/c_rehash usr/bin/gpgv usr/bin/localedef usr/sbin/ebtables* usr/sbin/arptables* \
      usr/sbin/rpc.gssd usr/sbin/rpc.svcgssd usr/sbin/rpc.idmapd usr/sbin/blkmapd
    # The nft flavour of iptables (Docker drives the legacy one, our static build:
    # lib/xtables.sh) with its extension plugins, and apt's signature checker.
    rm -rf usr/sbin/xtables-nft-multi usr/sbin/*tables-nft* usr/sbin/*tables-translate \
      usr/sbin/*tables-restore-translate "$libdir"/xtables usr/bin/sqv
    # NFSv4 id mapping over LDAP and Berkeley DB users for PAM: big library chains, unused.
    rm -f "$libdir"/libnfsidmap/umich_ldap.so "$libdir"/security/pam_userdb.so
    # containerd tools Docker does not use (it drives io.containerd.runc.v2)
    # nor libnetwork's debugging tools shipped by docker.io
    rm -f usr/bin/dnet usr/sbin/ovrouter
    rm -f usr/bin/ctr usr/bin/containerd-stress usr/bin/containerd-shim usr/bin/containerd-shim-runc-v1
    # firmware, kernel files and build leftovers
    rm -rf lib/firmware usr/lib/firmware boot var/cache/* var/log/* var/tmp/* tmp/* \
      etc/ssh/ssh_host_* etc/machine-id var/lib/dbus/machine-id etc/resolv.conf etc/hostname \
      etc/.pwd.lock etc/*- usr/share/man-db etc/update-motd.d
    find . -xdev \( -name '*.pyc' -o -name __pycache__ \) -prune -exec rm -rf {} +
    mkdir -p var/log var/tmp tmp var/cache
    chmod 1777 tmp var/tmp
  )
}

# Delete shared libraries that nothing left in the tree links against
# (dependencies of the interpreters and tools trimmed above). Libraries that
# glibc or PAM load by name at run time are kept.
prune_libraries() {
  local r=$1 triplet libdir pass removed f soname
  triplet=$(basename "$(ls -d "$r"/usr/lib/*-linux-gnu | head -n1)")
  libdir=$r/usr/lib/$triplet
  for pass in 1 2 3 4 5; do
    elf_files "$r" | xargs -0 readelf -d 2>/dev/null |
      sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u >"$r/../needed.txt"
    removed=0
    for f in "$libdir"/lib*.so.*; do
      [ -f "$f" ] && [ ! -L "$f" ] || continue
      case $(basename "$f") in
        libc.so* | libm.so* | libmvec* | libresolv* | libnss_* | libgcc_s* | libpthread* | libdl.so* | \
        librt.so* | libutil* | libanl* | libthread_db* | libidn2* | libpam* | libBrokenLocale* | libnsl*) continue ;;
      esac
      soname=$(readelf -d "$f" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
      [ -n "$soname" ] || continue
      grep -qxF "$soname" "$r/../needed.txt" && continue
      find "$libdir" -maxdepth 1 -lname "$(basename "$f")" -delete
      rm -f "$f"
      removed=$((removed + 1))
    done
    [ "$removed" = 0 ] && break
  done
  rm -f "$r/../needed.txt"
}

# elf_files ROOT: NUL-separated ELF executables and shared objects in ROOT.
elf_files() {
  find "$1/usr" -type f \( -perm -u+x -o -name '*.so' -o -name '*.so.*' \) -print0 |
    xargs -0 grep -lZ --max-count=1 -a '^.ELF' 2>/dev/null || true
}

# Copy the listed modules and their dependencies, then index them.
install_modules() {
  local r=$1 kdir=$2 kver=$3 mods m n=0
  depmod -b "$kdir" "$kver"
  mods=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$OS_DIR/modules.txt")
  # virtio-serial, for dlite-mux's port (run-mux loads it when the device exists)
  mods="$mods virtio_console"
  mkdir -p "$r/lib/modules/$kver"
  for m in $mods; do
    # '?name': only where this architecture's kernel has it (e.g. crc32c_intel)
    case $m in
      '?'*) m=${m#?}; modprobe -d "$kdir" -S "$kver" --show-depends "$m" >/dev/null 2>&1 || continue ;;
      *) modprobe -d "$kdir" -S "$kver" --show-depends "$m" >/dev/null 2>&1 || die "module not in kernel: $m" ;;
    esac
    modprobe -d "$kdir" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
  done | sort -u | while read -r m; do
    mkdir -p "$r$(dirname "${m#"$kdir"}")"
    cp "$m" "$r${m#"$kdir"}"
  done
  cp "$kdir/lib/modules/$kver"/modules.order "$kdir/lib/modules/$kver"/modules.builtin* "$r/lib/modules/$kver/"
  depmod -b "$r" "$kver"
  n=$(find "$r/lib/modules/$kver" -name '*.ko' | wc -l)
  log "kernel $kver: $n modules ($(du -sm "$r/lib/modules" | cut -f1) MiB)"
}

# Every ELF file we keep must find its shared libraries (catches over-trimming).
check_libraries() {
  local r=$1 triplet missing
  triplet=$(basename "$(ls -d "$r"/usr/lib/*-linux-gnu | head -n1)")
  missing=$(elf_files "$r" | while IFS= read -r -d '' f; do echo "File: $f"; readelf -d "$f" 2>/dev/null; done | awk -v r="$r" -v t="$triplet" '
    /^File: / { file = $2; delete path; np = 0; n = 0; next }
    /\(NEEDED\)/ { gsub(/.*\[|\].*/, ""); need[file, ++n] = $0; cnt[file] = n }
    /\(RUNPATH\)|\(RPATH\)/ { gsub(/.*\[|\].*/, ""); rp[file] = $0 }
    END {
      for (f in cnt) for (i = 1; i <= cnt[f]; i++) {
        lib = need[f, i]; ok = 0
        split("/usr/lib/" t ":/usr/lib:" rp[f], dirs, ":")
        for (d in dirs) if (dirs[d] != "" && (getline line < (r dirs[d] "/" lib)) >= 0) { ok = 1; close(r dirs[d] "/" lib); break }
        if (!ok) print substr(f, length(r) + 1) ":" lib
      }
    }')
  [ -z "$missing" ] || die "missing shared libraries after trim: $missing"
}

# build_stage0 DIR ROOT BASE KVER: the initramfs tree: busybox-static, the
# three modules needed to mount the root image, and the root image itself.
build_stage0() {
  local dir=$1 root=$2 base=$3 kver=$4 m
  mkdir -p "$dir/bin" "$dir/dev" "$dir/proc" "$dir/sys"
  cp "$OS_DIR/stage0/init" "$dir/init"
  chmod 0755 "$dir/init"
  cp "$base/busybox-static/bin/busybox" "$dir/bin/busybox"
  mknod -m 0600 "$dir/dev/console" c 5 1
  : >"$dir/modules.list"
  for m in loop squashfs overlay; do
    modprobe -d "$base/kernel" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
  done | awk '!seen[$0]++' | while read -r m; do
    mkdir -p "$dir$(dirname "${m#"$base/kernel"}")"
    cp "$m" "$dir${m#"$base/kernel"}"
    echo "${m#"$base/kernel"}" >>"$dir/modules.list"
  done
  case $COMPRESS in
    zstd) mksquashfs "$root" "$dir/root.sqfs" -noappend -quiet -no-progress -b 1M \
            -comp zstd -Xcompression-level "$ZSTD_LEVEL" >/dev/null ;;
    lz4) mksquashfs "$root" "$dir/root.sqfs" -noappend -quiet -no-progress -b 1M -comp lz4 -Xhc >/dev/null ;;
    xz) mksquashfs "$root" "$dir/root.sqfs" -noappend -quiet -no-progress -b 1M -comp xz >/dev/null ;;
  esac
  log "root.sqfs $(du -m "$dir/root.sqfs" | cut -f1) MiB"
}

# The squashfs inside is compressed already; the outer compression only has to
# be cheap to undo (the kernel does it before anything runs).
pack_initramfs() {
  local dir=$1 out=$2
  (cd "$dir" && find . -print0 | LC_ALL=C sort -z |
    cpio --null --create --format=newc --reproducible --quiet) >"$out.cpio"
  case $COMPRESS in
    zstd | lz4) zstd -q -3 -T0 --rm "$out.cpio" -o "$out" ;;
    # the kernel's xz decoder wants CRC32 checks
    xz) xz -1 -T0 --check=crc32 -c "$out.cpio" >"$out" && rm -f "$out.cpio" ;;
  esac
  log "initramfs $(du -h "$out" | cut -f1)"
}

install_kernel() {
  local kdir=$1 kver=$2 out=$3 src
  src=$kdir/boot/vmlinuz-$kver
  [ -f "$src" ] || die "no kernel image at $src"
  # arm64: vfkit boots an uncompressed Image; Debian ships it gzip-compressed.
  if [ "$KERNEL_NAME" = Image ] && head -c 2 "$src" | od -An -tx1 | grep -q '1f 8b'; then
    gzip -dc "$src" >"$out"
  else
    cp "$src" "$out"
  fi
}
