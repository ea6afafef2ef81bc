#!/usr/bin/env bash
# Installs the docker CLI's buildx and compose v2 plugins from Debian 13 (trixie)'s docker-buildx
# and docker-compose packages into /usr/local/lib/docker/cli-plugins, where every docker CLI finds
# them whatever DOCKER_CONFIG says. The packages are static Go binaries: apt (pointed at trixie with
# private state, so the machine's own sources are untouched) downloads and verifies the .deb files
# against the signed archive, and dpkg-deb unpacks them.
#
#   bash .ci/docker-cli-plugins.sh        (as root; idempotent)
#
# The .deb files are cached in ${DLITE_PLUGIN_CACHE:-/var/cache/dlite/cli-plugins}; a run that finds
# both plugins installed from the cached packages and answering `version` does no download at all.
# Any failure (mirror unreachable, bad signature, a plugin that does not run) exits non-zero.
set -euo pipefail

SUITE=${DLITE_PLUGIN_SUITE:-trixie}
MIRROR=${DLITE_OS_MIRROR:-http://deb.debian.org/debian}
CACHE=${DLITE_PLUGIN_CACHE:-/var/cache/dlite/cli-plugins}
DEST=/usr/local/lib/docker/cli-plugins
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
ARCH=$(dpkg --print-architecture)
PACKAGES=(docker-buildx docker-compose)

die() { printf 'docker-cli-plugins: error: %s\n' "$*" >&2; exit 1; }
say() { printf 'docker-cli-plugins: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root (writes $DEST)"
command -v docker >/dev/null || die "no docker CLI on PATH"
[ -f "$KEYRING" ] || die "missing $KEYRING (apt-get install debian-archive-keyring)"
mkdir -p "$CACHE/debs" "$DEST"
exec 9>"$CACHE/.lock"
flock 9

# The stamp lists "<plugin> <sha256 of the installed binary>" from the last successful install.
plugins_ok() {
  [ -f "$CACHE/stamp" ] || return 1
  local name sum
  while read -r name sum; do
    [ -x "$DEST/$name" ] && [ "$(sha256sum <"$DEST/$name" | cut -c1-64)" = "$sum" ] || return 1
  done <"$CACHE/stamp"
  [ "$(wc -l <"$CACHE/stamp")" = "${#PACKAGES[@]}" ] || return 1
  docker buildx version >/dev/null 2>&1 && docker compose version >/dev/null 2>&1
}

if plugins_ok; then
  say "installed: $(docker buildx version | cut -d' ' -f1-2); $(docker compose version)"
  exit 0
fi

apt_dir=$(mktemp -d)
trap 'rm -rf "$apt_dir"' EXIT
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache" "$apt_dir/empty"
: >"$apt_dir/status"
echo "deb [arch=$ARCH signed-by=$KEYRING] $MIRROR $SUITE main" >"$apt_dir/sources.list"
apt_opts=(-o "Dir::State=$apt_dir" -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::State::status=$apt_dir/status"
  -o "Dir::Cache=$apt_dir/cache" -o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=$apt_dir/empty"
  -o "Dir::Etc::preferencesparts=$apt_dir/empty" -o "APT::Architecture=$ARCH" -o "Debug::NoLocking=1")

say "fetching the $SUITE package index ($ARCH)"
apt-get "${apt_opts[@]}" -q update >"$apt_dir/update.log" 2>&1 ||
  { cat "$apt_dir/update.log" >&2; die "apt-get update for $SUITE failed"; }
(cd "$CACHE/debs" && apt-get "${apt_opts[@]}" -q download "${PACKAGES[@]}") >"$apt_dir/download.log" 2>&1 ||
  { cat "$apt_dir/download.log" >&2; die "downloading ${PACKAGES[*]} from $MIRROR failed"; }

: >"$apt_dir/stamp"
for pkg in "${PACKAGES[@]}"; do
  ver=$(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" | sed -n 's/^Version: //p')
  deb="$CACHE/debs/${pkg}_${ver/:/%3a}_$ARCH.deb"
  [ -f "$deb" ] || die "$deb was not downloaded"
  mkdir -p "$apt_dir/x-$pkg"
  dpkg-deb -x "$deb" "$apt_dir/x-$pkg"
  # Debian installs CLI plugins in /usr/libexec/docker/cli-plugins (older: /usr/lib/docker/cli-plugins).
  bin=$(find "$apt_dir/x-$pkg" -path '*/docker/cli-plugins/docker-*' -type f | head -n1)
  [ -n "$bin" ] || die "no CLI plugin inside $(basename "$deb")"
  install -m 0755 "$bin" "$DEST/$(basename "$bin")"
  echo "$(basename "$bin") $(sha256sum <"$bin" | cut -c1-64)" >>"$apt_dir/stamp"
  # Keep only the version just installed.
  find "$CACHE/debs" -name "${pkg}_*.deb" ! -name "$(basename "$deb")" -delete
done
docker buildx version >/dev/null || die "docker buildx does not run after installing it"
docker compose version >/dev/null || die "docker compose does not run after installing it"
mv "$apt_dir/stamp" "$CACHE/stamp"
say "installed into $DEST: $(docker buildx version | cut -d' ' -f1-2); $(docker compose version)"
