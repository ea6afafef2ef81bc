# Stage 1 for a foreign architecture (arm64 on an amd64 build machine), without
# running Debian's maintainer scripts under emulation. Sourced by build.sh.
#
# The build machine's own apt resolves and downloads the same set debootstrap
# --variant=minbase would install (Essential and Priority: required) plus
# packages.txt, from the suite, -updates and -security; every package is
# unpacked with dpkg-deb; and the few things maintainer scripts would have done
# that this guest relies on are done here from the host (accounts, links, the
# CA bundle). Only ldconfig and lib/configure-chroot.sh run inside the tree,
# through qemu-user-static. A fully emulated debootstrap + apt took far longer
# (see README.md, "arm64").
#
# Leaves the same DEST layout as bootstrap_base (lib/bootstrap.sh).

# The apt options that point the build machine's apt at DEST/apt for DEB_ARCH.
foreign_apt_opts() {
  local a=$1
  printf '%s\n' -o "Dir::State=$a/state" -o "Dir::State::status=$a/status" -o "Dir::Cache=$a/cache" \
    -o "Dir::Cache::archives=$CACHE/debs/" -o "Dir::Etc::sourcelist=$a/sources.list" \
    -o "Dir::Etc::sourceparts=$a/empty" -o "Dir::Etc::preferences=$a/preferences" -o "Dir::Etc::preferencesparts=$a/empty" \
    -o "APT::Architecture=$DEB_ARCH" -o "APT::Architectures::=$DEB_ARCH" -o "APT::Install-Recommends=0" \
    -o "Debug::NoLocking=1" -o "Acquire::Languages=none"
}

bootstrap_foreign() {
  local dest=$1 root=$1/rootfs a=$1/apt kr=/usr/share/keyrings/debian-archive-keyring.gpg
  local -a o
  mkdir -p "$root" "$a/state/lists/partial" "$a/cache/archives/partial" "$a/empty"
  : >"$a/status"
  : >"$a/preferences"
  [ -f "$kr" ] || die "missing $kr (apt-get install debian-archive-keyring)"
  write_sources "$a/sources.list"
  sed -i "s|^deb |deb [arch=$DEB_ARCH signed-by=$kr] |" "$a/sources.list"
  mapfile -t o < <(foreign_apt_opts "$a")

  log "apt ($DEB_ARCH, from the host): $SUITE, $SUITE-updates, $SUITE-security"
  apt-get "${o[@]}" -q update >"$dest/apt.log" 2>&1 || { tail -n 20 "$dest/apt.log" >&2; die "apt-get update failed"; }
  local base pkgs
  # What debootstrap --variant=minbase installs: Essential and required packages.
  base=$(apt-cache "${o[@]}" dumpavail | awk -v RS= '/\nEssential: yes\n|\nPriority: required\n/ {
           match($0, /^Package: [^\n]+/); print substr($0, 10, RLENGTH - 9) }' | sort -u | xargs)
  [ -n "$base" ] || die "no Essential/required packages found for $SUITE/$DEB_ARCH"
  pkgs="$base $(package_list | tr ',' ' ')"
  # shellcheck disable=SC2086
  apt-get "${o[@]}" -q -y -s install $pkgs >"$dest/plan.txt" 2>>"$dest/apt.log" ||
    { tail -n 20 "$dest/apt.log" >&2; die "apt cannot resolve the $DEB_ARCH package set"; }
  awk '$1 == "Inst" { v = $3; gsub(/[()]/, "", v); print $2, v }' "$dest/plan.txt" | sort >"$dest/package-versions"
  log "download $(wc -l <"$dest/package-versions") packages"
  # shellcheck disable=SC2086
  apt-get "${o[@]}" -q -y --download-only install $pkgs >>"$dest/apt.log" 2>&1 ||
    { tail -n 20 "$dest/apt.log" >&2; die "downloading the $DEB_ARCH packages failed"; }

  log "unpack into the tree (no maintainer scripts)"
  # Merged /usr, as debootstrap lays it out: unpacking follows these links.
  mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib"
  ln -s usr/bin "$root/bin"
  ln -s usr/sbin "$root/sbin"
  ln -s usr/lib "$root/lib"
  local name ver
  while read -r name ver; do
    dpkg-deb --fsys-tarfile "$(cached_deb "$name" "$ver")" |
      tar -x -C "$root" --keep-directory-symlink --numeric-owner -p ||
      die "unpacking $name $ver failed"
  done <"$dest/package-versions"
  foreign_configure "$root"

  local kpkg kver
  kpkg=$(apt-cache "${o[@]}" depends "$KERNEL_PKG" | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1)
  kver=$(apt-cache "${o[@]}" show --no-all-versions "$kpkg" | sed -n 's/^Version: //p')
  (cd "$CACHE/debs" && apt-get "${o[@]}" -q download "$kpkg" busybox-static) >>"$dest/apt.log" 2>&1 ||
    { tail -n 20 "$dest/apt.log" >&2; die "downloading $kpkg and busybox-static failed"; }
  stage_kernel "$(cached_deb "$kpkg" "$kver")" "$dest/kernel"
  stage_busybox "$(cached_deb busybox-static \
    "$(apt-cache "${o[@]}" show --no-all-versions busybox-static | sed -n 's/^Version: //p')")" "$dest/busybox-static"
  rm -rf "$a"
}

# foreign_configure ROOT: what the maintainer scripts of this package set do
# that the guest needs.
foreign_configure() {
  local r=$1 f
  log "configure the tree from the host"
  ROOT_PAM=$r/etc/pam.d
  # base-passwd: the static accounts; shadow files as pwconv would write them.
  cp "$r/usr/share/base-passwd/passwd.master" "$r/etc/passwd"
  cp "$r/usr/share/base-passwd/group.master" "$r/etc/group"
  # openssh-server: its privilege separation user (sshd refuses to start without it).
  grep -q '^sshd:' "$r/etc/passwd" || echo 'sshd:x:100:65534::/run/sshd:/usr/sbin/nologin' >>"$r/etc/passwd"
  awk -F: '{ print $1 ":*:20000:0:99999:7:::" }' "$r/etc/passwd" >"$r/etc/shadow"
  awk -F: '{ print $1 ":*::" }' "$r/etc/group" >"$r/etc/gshadow"
  chmod 0640 "$r/etc/shadow" "$r/etc/gshadow"
  chgrp 42 "$r/etc/shadow" "$r/etc/gshadow" # group shadow in base-passwd
  # base-files: /var/run and /var/lock point into /run (dockerd's socket is /var/run/docker.sock).
  # (Some packages ship them as empty directories; /run is a fresh tmpfs at boot anyway.)
  for f in run lock; do
    [ -L "$r/var/$f" ] && continue
    [ ! -d "$r/var/$f" ] || rmdir "$r/var/$f" || die "/var/$f in the $DEB_ARCH tree is not empty"
    if [ $f = run ]; then ln -s /run "$r/var/run"; else ln -s /run/lock "$r/var/lock"; fi
  done
  [ -e "$r/etc/profile" ] || cp "$r/usr/share/base-files/profile" "$r/etc/profile"
  # libc-bin, bash/dash (add-shell), nfs-common (ucf): configuration files their scripts install.
  [ -e "$r/etc/nsswitch.conf" ] || cp "$r/usr/share/libc-bin/nsswitch.conf" "$r/etc/nsswitch.conf"
  [ -e "$r/etc/shells" ] || printf '%s\n' /bin/sh /usr/bin/sh /bin/bash /usr/bin/bash /usr/bin/dash >"$r/etc/shells"
  for f in nfs.conf idmapd.conf; do
    [ -e "$r/etc/$f" ] || [ ! -f "$r/usr/share/nfs-common/conffiles/$f" ] || cp "$r/usr/share/nfs-common/conffiles/$f" "$r/etc/$f"
  done
  # pam-auth-update's output for the only profile installed (pam_unix); sudo reads these.
  foreign_pam common-account 'account [success=1 new_authtok_reqd=done default=ignore] pam_unix.so'
  foreign_pam common-auth 'auth [success=1 default=ignore] pam_unix.so nullok'
  foreign_pam common-password 'password [success=1 default=ignore] pam_unix.so obscure yescrypt'
  foreign_pam common-session 'session [default=1] pam_permit.so'
  foreign_pam common-session-noninteractive 'session [default=1] pam_permit.so'
  # update-alternatives links the guest's scripts use (iptables: configure-chroot.sh).
  [ -e "$r/usr/bin/awk" ] || ln -s mawk "$r/usr/bin/awk"
  [ -e "$r/usr/bin/which" ] || [ ! -e "$r/usr/bin/which.debianutils" ] || ln -s which.debianutils "$r/usr/bin/which"
  [ -e "$r/usr/bin/sh" ] || ln -s dash "$r/usr/bin/sh"
  # ca-certificates: the bundle update-ca-certificates builds (Go reads only this file).
  mkdir -p "$r/etc/ssl/certs"
  find "$r/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort | while read -r f; do
    echo "${f#"$r/usr/share/ca-certificates/"}"
  done >"$r/etc/ca-certificates.conf"
  find "$r/usr/share/ca-certificates" -name '*.crt' | LC_ALL=C sort | xargs cat >"$r/etc/ssl/certs/ca-certificates.crt"
  # libc-bin: the loader cache (the tree's own static ldconfig, emulated).
  chroot "$r" /sbin/ldconfig || die "ldconfig in the $DEB_ARCH tree failed (binfmt_misc?)"
}

# foreign_pam NAME FIRST-LINE: one /etc/pam.d/common-* file as pam-auth-update writes it.
foreign_pam() {
  local f=$ROOT_PAM/$1 type=${2%% *}
  [ -e "$f" ] && return 0
  {
    printf '%s\n' "$2"
    printf '%s requisite pam_deny.so\n%s required pam_permit.so\n' "$type" "$type"
    case $1 in common-session*) printf 'session optional pam_umask.so\nsession required pam_unix.so\n' ;; esac
  } >"$f"
}
