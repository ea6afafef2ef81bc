# Shared helpers for the guest's boot scripts (POSIX sh, sourced).

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
RUN=/run/dlite
DATA=/var/lib/dlite

# iproute2 is not in the image; busybox's ip covers addr/link/route.
ip() { busybox ip "$@"; }

# say MSG: one milestone line on the console (and in the boot log).
say() {
  printf 'dlite: %s\n' "$*" >/dev/console
  printf '%s dlite: %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$*" >>/var/log/dlite.log
}

# param NAME: the validated value of dlite.NAME (empty when absent or skipped).
param() { [ -f "$RUN/param/$1" ] && cat "$RUN/param/$1"; }

# b64url VALUE: decodes base64url without padding; fails on bad input.
b64url() {
  case $1 in '' | *[!A-Za-z0-9_-]*) return 1 ;; esac
  _s=$(printf '%s' "$1" | tr -- '-_' '+/')
  case $(( ${#_s} % 4 )) in
    1) return 1 ;;
    2) _s="$_s==" ;;
    3) _s="$_s=" ;;
  esac
  printf '%s' "$_s" | base64 -d 2>/dev/null
}

# pid_alive PID: true while PID exists and is not a zombie.
pid_alive() {
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
  case $(cut -d')' -f2 "/proc/$1/stat" 2>/dev/null) in ' Z'* | '') return 1 ;; esac
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
