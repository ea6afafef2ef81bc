import { accessSync, constants } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { DlitePaths } from '../../paths.js';
import { spawnDetached, type DetachedChild } from '../../process/supervised.js';
import {
  killProcess,
  processCommandLine,
  readPidfile,
  removePidfile,
  writePidfile,
} from '../../vm/pidfile.js';
import { DriverError } from '../driver.js';

/**
 * Where Debian installs virtiofsd: the C one from `qemu-system-common` (QEMU ≤ 7.2), then the Rust
 * one from the `virtiofsd` package.
 */
export const VIRTIOFSD_CANDIDATES = ['/usr/lib/qemu/virtiofsd', '/usr/libexec/virtiofsd'] as const;

/**
 * Which virtiofsd serves the share, or why the share falls back to 9p; `limit`: what the share
 * cannot do as it runs (see {@link UNPRIVILEGED_SHARE_LIMIT}).
 */
export type VirtiofsdLookup =
  | { readonly path: string; readonly reason: string; readonly limit?: string }
  | { readonly path: null; readonly reason: string };

/** The C virtiofsd of `qemu-system-common` (QEMU ≤ 7.2). */
const C_VIRTIOFSD = VIRTIOFSD_CANDIDATES[0];

/**
 * Why the C virtiofsd is not used by a normal user: it keeps a lock file in `/var/run/virtiofsd/`
 * (its build's local state directory, not configurable), which only root can write, so it exits at
 * once ("Could not create '/var/run/virtiofsd/….pid': Permission denied").
 */
export const C_VIRTIOFSD_NEEDS_ROOT = `${C_VIRTIOFSD} (qemu-system-common) runs only as root: it keeps its lock in /var/run/virtiofsd; using 9p`;

/**
 * What a share served by an unprivileged virtiofsd (another build, named by `DLITE_VIRTIOFSD` or the
 * Rust one at /usr/libexec/virtiofsd) cannot do. virtiofsd creates each file as the guest user who
 * asks (`setresuid` to the request's uid), and a normal user can map only itself into its user
 * namespace, as root: containers running as root create files owned by the host user, any other
 * uid gets EINVAL, and inside the VM the host user's files show as root's.
 */
export const UNPRIVILEGED_SHARE_LIMIT =
  'run as a normal user, it lets only root in a container create files and folders in the share (other users get "Invalid argument"); DLITE_VIRTIOFSD=off uses 9p, where your own uid can too';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds virtiofsd (synchronous: the driver's features are data, fixed when it is built).
 * `DLITE_VIRTIOFSD=<path>` names one; `DLITE_VIRTIOFSD=off` forces 9p. Only Linux hosts run it
 * (QEMU on macOS has no vhost-user). A daemon that is not root (`uid`) skips the C virtiofsd
 * ({@link C_VIRTIOFSD_NEEDS_ROOT}); another one then runs with {@link UNPRIVILEGED_SHARE_LIMIT}.
 */
export function findVirtiofsd(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  isExecutable: (file: string) => boolean = executable,
  uid: number = process.getuid?.() ?? 0,
): VirtiofsdLookup {
  if (platform !== 'linux') return { path: null, reason: 'virtiofs needs a Linux host; using 9p' };
  const override = env['DLITE_VIRTIOFSD'];
  if (override === 'off') return { path: null, reason: 'DLITE_VIRTIOFSD=off; using 9p' };
  const limited = (found: { path: string; reason: string }): VirtiofsdLookup =>
    uid === 0 ? found : { ...found, limit: UNPRIVILEGED_SHARE_LIMIT };
  if (override) {
    return isExecutable(override)
      ? limited({ path: path.resolve(override), reason: `DLITE_VIRTIOFSD=${override}` })
      : { path: null, reason: `DLITE_VIRTIOFSD=${override} is not an executable file; using 9p` };
  }
  const usable = VIRTIOFSD_CANDIDATES.filter((f) => isExecutable(f));
  const found = usable.find((f) => uid === 0 || f !== C_VIRTIOFSD);
  if (found) return limited({ path: found, reason: `virtiofsd at ${found}` });
  return usable.includes(C_VIRTIOFSD)
    ? { path: null, reason: C_VIRTIOFSD_NEEDS_ROOT }
    : {
        path: null,
        reason: `virtiofsd not found (${VIRTIOFSD_CANDIDATES.join(', ')}); using 9p: install qemu-system-common (Debian) for the faster share`,
      };
}

/**
 * virtiofsd's argv for sharing `source` on `socket`.
 * - `cache=auto`: the guest caches attributes and names for 1 s and re-reads a file's data when it is
 *   opened again (close-to-open), so a host edit is seen by the next open; `cache=always` would keep
 *   stale data, `cache=none` makes every `stat` a round trip (see docs/PERFORMANCE.md).
 * - `xattr` off (as 9p `security_model=none`): nothing is stored in the host's extended attributes.
 * - As root it sandboxes itself in mount/pid/net namespaces (its default); as a normal user it runs
 *   inside a user namespace of its own (`unshare --user --map-root-user`), so guest root's files
 *   are the host user's, like the 9p share.
 */
export function virtiofsdArgs(
  binary: string,
  o: { socket: string; source: string; uid: number },
): { file: string; args: string[] } {
  // FUSE option lists are comma-separated; a comma in the path is escaped.
  const source = o.source.replaceAll('\\', '\\\\').replaceAll(',', '\\,');
  const args = [`--socket-path=${o.socket}`, '-o', `source=${source}`, '-o', 'cache=auto'];
  args.push('-o', 'no_xattr', '--rlimit-nofile=0');
  if (o.uid === 0) return { file: binary, args };
  return { file: 'unshare', args: ['--user', '--map-root-user', '--', binary, ...args] };
}

/** `log/virtiofsd.log` */
export function virtiofsdLogPath(paths: DlitePaths): string {
  return path.join(paths.logDir, 'virtiofsd.log');
}

/** `run/virtiofsd.pid`: the virtiofsd serving this home's share, so a left-over one can be stopped. */
export function virtiofsdPidfile(paths: Pick<DlitePaths, 'runDir'>): string {
  return path.join(paths.runDir, 'virtiofsd.pid');
}

/**
 * Stops a virtiofsd left serving this home's socket (its QEMU was killed, or a daemon crashed
 * before it could clean up) and waits until it is gone: a new one could not take its lock. Only a
 * process whose command line names this home's socket is touched. Idempotent.
 */
export async function stopLeftoverVirtiofsd(
  paths: Pick<DlitePaths, 'runDir' | 'virtiofsSocket'>,
): Promise<void> {
  const file = virtiofsdPidfile(paths);
  const pid = await readPidfile(file).catch(() => null);
  if (pid !== null && (await processCommandLine(pid))?.includes(paths.virtiofsSocket)) {
    await killProcess(pid, 2_000);
  }
  await removePidfile(file);
}

/** Milliseconds virtiofsd gets to create its socket. */
const SOCKET_READY_MS = 10_000;

/**
 * Starts virtiofsd detached (like QEMU, it outlives a crashed supervisor; it exits by itself when
 * QEMU disconnects) and resolves once its vhost-user socket exists. Rejects with
 * DriverError('driver-failed') naming its last log line when it exits first.
 */
export async function launchVirtiofsd(
  binary: string,
  paths: DlitePaths,
  source: string,
): Promise<DetachedChild> {
  await stopLeftoverVirtiofsd(paths);
  await rm(paths.virtiofsSocket, { force: true });
  const { file, args } = virtiofsdArgs(binary, {
    socket: paths.virtiofsSocket,
    source,
    uid: process.getuid?.() ?? 0,
  });
  const child = await spawnDetached(file, args, { logPath: virtiofsdLogPath(paths) });
  await writePidfile(virtiofsdPidfile(paths), child.pid);
  let gone = false;
  void child.exited.then(() => (gone = true));
  const deadline = Date.now() + SOCKET_READY_MS;
  while (!exists(paths.virtiofsSocket)) {
    if (gone) {
      const exit = await child.exited;
      throw new DriverError(
        'driver-failed',
        `virtiofsd exited during start: ${exit.stderrTail.at(-1) ?? `exit code ${exit.code}`}`,
        [file, ...args].join(' '),
      );
    }
    if (Date.now() > deadline) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone
      }
      throw new DriverError('timeout', `virtiofsd did not create ${paths.virtiofsSocket} in time`);
    }
    await sleep(20);
  }
  return child;
}

function exists(file: string): boolean {
  try {
    accessSync(file, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}
