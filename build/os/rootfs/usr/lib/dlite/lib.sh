# Shared helpers for the guest's boot scripts (POSIX sh, sourced).
# Under emulation every fork+exec costs tens of milliseconds, so these helpers
# stick to shell builtins wherever they can.

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
