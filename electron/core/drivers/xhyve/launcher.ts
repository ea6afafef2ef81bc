import { xhyveArgv, XHYVE_MAX_CPUS } from './xhyve-args.js';

/**
 * How Dlite runs xhyve as root (vmnet needs root or a restricted Apple entitlement), decided once
 * (docs/MACOS.md):
 * - The privileged helper installs, with the user's consent, a **root-owned copy** of xhyve and a
 *   **root-owned launcher script** under `/Library/PrivilegedHelperTools` (root:wheel, not writable
 *   by the user), plus one sudoers rule that lets that user run **only the launcher**, without a
 *   password. The original's rule covered a user-writable binary: that was a local root hole.
 * - The launcher takes **no paths**: uuid, CPU count, memory and the kernel command line, each
 *   checked against a fixed pattern. The disk, kernel and initrd are file descriptors 3, 4 and 5,
 *   opened by the unprivileged caller (so its own permissions apply, symlinks included) and passed
 *   through sudo (`closefrom=6` for this command only); xhyve reads them as `/dev/fd/N`. No argument
 *   can make root open, write or run anything else.
 * - Stop: SIGTERM (relayed by sudo) → the launcher → xhyve's ACPI power button; SIGUSR2 → SIGKILL.
 */

/** The root-owned copy of xhyve. */
export const XHYVE_ROOT_BINARY = '/Library/PrivilegedHelperTools/io.dlite.xhyve';
/** The root-owned launcher script; the only command the sudoers rule allows. */
export const XHYVE_LAUNCHER = '/Library/PrivilegedHelperTools/io.dlite.xhyve-launch';
/** The sudoers drop-in (macOS includes `/private/etc/sudoers.d`). */
export const XHYVE_SUDOERS = '/etc/sudoers.d/io.dlite.xhyve';

/** The descriptors the launcher expects: disk (read-write), kernel and initrd (read-only). */
export const LAUNCHER_FDS = { disk: 3, kernel: 4, initrd: 5 } as const;

/** Largest memory (GiB) the launcher passes on. */
export const LAUNCHER_MAX_MEMORY_GIB = 1024;

/** One shell word in double quotes, with `${name}` references kept live. */
function shellWord(arg: string): string {
  const escaped = arg.replace(/[\\"`$]/g, (c) => `\\${c}`);
  return `"${escaped.replace(/\\\$\{(cpus|mem|uuid|cmdline)\}/g, '${$1}')}"`;
}

/** `user` as sudoers and `id` accept it: a POSIX login name. */
export function isValidUserName(user: string): boolean {
  return /^[a-z_][a-z0-9_.-]{0,31}$/i.test(user);
}

/**
 * The launcher script for a root-owned xhyve at `xhyvePath` (a fixed path in production; the test
 * suite points it at a scripted fake). Pure. Usage: `LAUNCHER run|mac UUID CPUS MEMORY_GIB CMDLINE`
 * with fds 3/4/5 open; exits 64 with `xhyve-launch: …` on stderr for anything else.
 */
export function renderXhyveLauncher(xhyvePath: string): string {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(xhyvePath)) throw new Error(`not a plain absolute path: ${xhyvePath}`);
  const argv = xhyveArgv({
    cpus: '${cpus}',
    memoryGiB: '${mem}',
    uuid: '${uuid}',
    disk: `/dev/fd/${LAUNCHER_FDS.disk}`,
    kernel: `/dev/fd/${LAUNCHER_FDS.kernel}`,
    initrd: `/dev/fd/${LAUNCHER_FDS.initrd}`,
    cmdline: '${cmdline}',
  })
    .map(shellWord)
    .join(' ');
  const h = '[0-9A-Fa-f]';
  const uuidPattern = `${h.repeat(8)}-${h.repeat(4)}-${h.repeat(4)}-${h.repeat(4)}-${h.repeat(12)}`;
  return `#!/bin/sh
# Dlite's xhyve launcher (installed root:wheel 0755 by Dlite's privileged helper).
# Runs the root-owned xhyve for one Dlite VM. It takes no paths: the disk, the kernel
# and the initrd are file descriptors ${LAUNCHER_FDS.disk}, ${LAUNCHER_FDS.kernel} and ${LAUNCHER_FDS.initrd}, opened by the caller.
#   usage: io.dlite.xhyve-launch run|mac UUID CPUS MEMORY_GIB CMDLINE
set -f
PATH=/usr/bin:/bin:/usr/sbin:/sbin
export PATH
XHYVE='${xhyvePath}'
die() { echo "xhyve-launch: $*" >&2; exit 64; }
[ $# -eq 5 ] || die "usage: io.dlite.xhyve-launch run|mac UUID CPUS MEMORY_GIB CMDLINE"
mode=$1 uuid=$2 cpus=$3 mem=$4 cmdline=$5
case $mode in run | mac) ;; *) die "mode must be run or mac" ;; esac
case $uuid in ${uuidPattern}) ;; *) die "not a uuid" ;; esac
case $cpus in '' | *[!0-9]* | 0*) die "CPUS must be 1-${XHYVE_MAX_CPUS}" ;; esac
[ "$cpus" -le ${XHYVE_MAX_CPUS} ] || die "CPUS must be 1-${XHYVE_MAX_CPUS}"
case $mem in '' | *[!0-9]* | 0*) die "MEMORY_GIB must be 1-${LAUNCHER_MAX_MEMORY_GIB}" ;; esac
[ \${#mem} -le 4 ] && [ "$mem" -le ${LAUNCHER_MAX_MEMORY_GIB} ] || die "MEMORY_GIB must be 1-${LAUNCHER_MAX_MEMORY_GIB}"
[ \${#cmdline} -lt 1024 ] || die "the kernel command line is too long"
bad='*[!A-Za-z0-9._= -]*'
case $cmdline in '' | $bad) die "the kernel command line may only hold letters, digits and . _ = - spaces" ;; esac
for tok in $cmdline; do
  case $tok in
    console=ttyS0 | quiet | panic=1 | dlite.[a-z]*=*) ;;
    *) die "unexpected kernel parameter" ;;
  esac
done
for fd in ${LAUNCHER_FDS.disk} ${LAUNCHER_FDS.kernel} ${LAUNCHER_FDS.initrd}; do
  [ -e /dev/fd/$fd ] || die "file descriptor $fd is not open"
done
[ "$mode" = mac ] && exec "$XHYVE" ${argv} -M
"$XHYVE" ${argv} &
child=$!
trap 'kill -TERM $child 2>/dev/null' TERM INT HUP
trap 'kill -KILL $child 2>/dev/null' USR2
while :; do
  wait $child
  rc=$?
  kill -0 $child 2>/dev/null || exit $rc
done
`;
}

/**
 * The sudoers drop-in: `user` may run the launcher (and nothing else) as root without a password,
 * keeping fds 3-5 open for it. Pure; `user` MUST pass {@link isValidUserName}.
 */
export function renderXhyveSudoers(user: string, launcher = XHYVE_LAUNCHER): string {
  if (!isValidUserName(user)) throw new Error(`not a user name: ${JSON.stringify(user)}`);
  return [
    '# Dlite: run the root-owned xhyve launcher (it takes no paths) without a password.',
    `Defaults!${launcher} closefrom=6`,
    `${user} ALL=(root) NOPASSWD: ${launcher}`,
    '',
  ].join('\n');
}
