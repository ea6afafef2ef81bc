# Shared helpers for the guest's boot scripts (POSIX sh, sourced).
# Under emulation every fork+exec costs tens of milliseconds, so these helpers
# stick to shell builtins wherever they can.
#
# The boot's scripts (init, boot, params, disk, wait-docker, udhcpc-event) run
# under /usr/lib/dlite/busybox, Debian's busybox-static: its shell runs mount,
# mkdir, modprobe, cat and the other busybox applets inside the one static,
# non-PIE binary instead of exec'ing a dynamically linked program for each. The
# boot and the readiness probe also run with a fixed address layout (inittab:
# `linux64 -R`). Under QEMU's TCG a translated block of guest code is reused only
# at the same virtual address, so each dynamically linked program the boot
# still runs (blkid, mkfs.ext4, socat, ...) translates ld.so and its libraries
# once instead of at every run. Whatever keeps running after the boot is started
# through `busybox linux64 PROGRAM` (no -R), which restores the randomised
# layout: sshd, udhcpc, acpid here; containerd, dockerd and the rest come from
# init, which never had it fixed.

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
RUN=/run/dlite
DATA=/var/lib/dlite

# iproute2 is not in the image; busybox's ip covers addr/link/route.
ip() { busybox ip "$@"; }

# say MSG: one milestone line on the console (and, with uptime, in the boot log).
say() {
  printf 'dlite: %s\n' "$*" >/dev/console
  read -r _up _ </proc/uptime
  printf '%s dlite: %s\n' "$_up" "$*" >>/var/log/dlite.log
}

# pread NAME: sets P to the validated value of dlite.NAME (empty when absent
# or skipped). No subshell, unlike $(param NAME).
pread() {
  P=
  [ -f "$RUN/param/$1" ] && { IFS= read -r P <"$RUN/param/$1" || :; }
}

# param NAME: prints the value (for command substitution).
param() { pread "$1" && printf '%s' "$P"; }

# b64url VALUE: decodes base64url without padding; fails on bad input.
b64url() {
  case $1 in '' | *[!A-Za-z0-9_-]*) return 1 ;; esac
  case $(( ${#1} % 4 )) in
    0) _s=$1 ;;
    2) _s="$1==" ;;
    3) _s="$1=" ;;
    *) return 1 ;;
  esac
  basenc --base64url -d 2>/dev/null <<EOF
$_s
EOF
}

# pid_alive PID: true while PID exists and is not a zombie.
pid_alive() {
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
  read -r _stat <"/proc/$1/stat" 2>/dev/null || return 1
  case ${_stat##*) } in Z* | X*) return 1 ;; esac
}

# wait_gone PID DECISECONDS: waits for PID to exit; fails on timeout.
wait_gone() {
  _n=0
  while pid_alive "$1"; do
    [ "$_n" -ge "$2" ] && return 1
    sleep 0.1
    _n=$((_n + 1))
  done
}
