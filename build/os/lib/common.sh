# Helpers shared by the OS builder. Sourced by build.sh (bash).

BUILD_START=$(date +%s)

log() { printf '[os %3ss] %s\n' "$(elapsed)" "$*" >&2; }
die() { printf 'build/os: error: %s\n' "$*" >&2; exit 1; }
elapsed() { echo $(( $(date +%s) - BUILD_START )); }

require_tools() {
  local t missing=
  for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing="$missing $t"; done
  [ -z "$missing" ] || die "missing host tools:$missing (apt-get install \$(cat build/os/host-packages.txt))"
}

# arch_setup ARCH: per-architecture names. FOREIGN=1 when ARCH is not the
# build machine's: the tree is then assembled by lib/foreign.sh, and the few
# programs run inside it go through qemu-user-static (registered here).
arch_setup() {
  case $1 in
    amd64) KERNEL_PKG=linux-image-amd64; KERNEL_NAME=bzImage; DEB_ARCH=amd64; CONSOLE=ttyS0; QEMU_USER=x86_64 ;;
    arm64) KERNEL_PKG=linux-image-arm64; KERNEL_NAME=Image; DEB_ARCH=arm64; CONSOLE=hvc0; QEMU_USER=aarch64 ;;
    *) die "unsupported arch: $1 (amd64 or arm64)" ;;
  esac
  FOREIGN=0
  [ "$(dpkg --print-architecture)" = "$DEB_ARCH" ] || FOREIGN=1
}

# ensure_binfmt: makes the kernel run $QEMU_USER binaries through
# qemu-user-static, even inside a chroot (the F flag opens the interpreter at
# registration). Mounts binfmt_misc and registers from qemu-user-static's own
# binfmt.d entry when nothing did it before (no systemd-binfmt here). Idempotent.
ensure_binfmt() {
  local bm=/proc/sys/fs/binfmt_misc conf=/usr/lib/binfmt.d/qemu-$QEMU_USER.conf
  [ -e "$bm/register" ] || mount -t binfmt_misc binfmt_misc "$bm" 2>/dev/null ||
    die "cannot mount binfmt_misc on $bm (needed to build $DEB_ARCH on $(dpkg --print-architecture))"
  if [ ! -e "$bm/qemu-$QEMU_USER" ]; then
    [ -f "$conf" ] || die "missing $conf: apt-get install qemu-user-static"
    grep -v '^#' "$conf" | head -n1 >"$bm/register" || die "could not register $conf with binfmt_misc"
  fi
  grep -q '^enabled' "$bm/qemu-$QEMU_USER" || die "binfmt_misc entry qemu-$QEMU_USER is disabled"
  grep -q '^flags:.*F' "$bm/qemu-$QEMU_USER" ||
    die "binfmt_misc entry qemu-$QEMU_USER lacks the F flag (chroots cannot find the interpreter)"
}

# Hash of every file that shapes the output, plus the build parameters.
# README.md, bench.mjs, host-packages.txt and out/ do not change the image.
inputs_key() {
  {
    printf 'arch=%s suite=%s compress=%s\n' "$@"
    (cd "$OS_DIR" && find . -path ./out -prune -o -type f \
        ! -name README.md ! -name bench.mjs ! -name host-packages.txt ! -name index-entry.mjs -print |
      LC_ALL=C sort | while read -r f; do
        printf '%s %s %s\n' "$(stat -c %a "$f")" "$(sha256sum <"$f" | cut -c1-64)" "$f"
      done)
  } | sha256sum | cut -c1-16
}

# Hash of what the debootstrap stage depends on.
base_key() {
  {
    printf 'arch=%s suite=%s foreign=%s\n' "$@" "$FOREIGN"
    sha256sum <"$OS_DIR/packages.txt"
    sha256sum <"$OS_DIR/lib/bootstrap.sh"
    sha256sum <"$OS_DIR/lib/foreign.sh"
  } | sha256sum | cut -c1-16
}

# Package names from packages.txt, comma separated.
package_list() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$OS_DIR/packages.txt" | xargs | tr ' ' ','; }

# Unmount anything left below DIR (reverse order), then remove DIR.
cleanup_work() {
  local dir=$1 m
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  awk -v d="$dir" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf "$dir"
}

# Keep, per arch and suite (amd64 and arm64 images, a bookworm one for the
# upgrade test...), the newest 2 output sets and the newest base tree.
prune_cache() {
  local d v
  find "$CACHE" -mindepth 1 -maxdepth 1 -type d -regextype posix-basic -regex '.*/[0-9a-f]\{16\}' -printf '%T@ %p\n' |
    sort -rn | cut -d' ' -f2- | while read -r d; do
      v=$(sed -n 's/^  "\(arch\|suite\)": "\([^"]*\)",$/\2/p' "$d/manifest.json" 2>/dev/null | xargs)
      printf '%s %s\n' "${v:-unknown unknown}" "$d"
    done | awk '{ n = ++seen[$1 " " $2] } n > 2 { print $NF }' | while read -r d; do rm -rf "$d"; done
  find "$CACHE/base" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' |
    sort -rn | cut -d' ' -f2- | while read -r d; do
      printf '%s %s\n' "$(cat "$d/.variant" 2>/dev/null || echo unknown unknown)" "$d"
    done | awk '{ n = ++seen[$1 " " $2] } n > 1 { print $NF }' | while read -r d; do rm -rf "$d"; done
}

sha256_of() { sha256sum "$1" | cut -c1-64; }
size_of() { stat -c %s "$1"; }

# write_manifest DIR VERSIONS_ENV: manifest.json describing DIR's files.
write_manifest() {
  local dir=$1 env=$2
  # shellcheck disable=SC1090
  . "$env"
  cat >"$dir/manifest.json" <<EOF
{
  "name": "dlite-os",
  "version": "$(cat "$OS_DIR/VERSION")",
  "arch": "$ARCH",
  "suite": "$SUITE",
  "inputsKey": "$KEY",
  "builtAt": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "kernelVersion": "$KERNEL_VERSION",
  "kernelPackage": "$KERNEL_PACKAGE_VERSION",
  "dockerVersion": "$DOCKER_VERSION",
  "dockerPackage": "$DOCKER_PACKAGE_VERSION",
  "containerdPackage": "$CONTAINERD_PACKAGE_VERSION",
  "runcPackage": "$RUNC_PACKAGE_VERSION",
  "boot": { "kernel": "$KERNEL_NAME", "initrd": "$INITRD_NAME", "console": "$CONSOLE", "compression": "$COMPRESS" },
  "files": {
    "$KERNEL_NAME": { "size": $(size_of "$dir/$KERNEL_NAME"), "sha256": "$(sha256_of "$dir/$KERNEL_NAME")" },
    "$INITRD_NAME": { "size": $(size_of "$dir/$INITRD_NAME"), "sha256": "$(sha256_of "$dir/$INITRD_NAME")" }
  }
}
EOF
}
