import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { DlitePaths } from '../../paths.js';
import { isAlive, processCommandLine } from '../../vm/pidfile.js';
import type { Accelerator } from './accel.js';
import { qemuOptValue, type PortForward } from './qemu-args.js';

/** What a running QEMU needs to be found and driven again by a later supervisor (`run/qemu.json`). */
export interface QemuState {
  readonly pid: number;
  readonly sshPort: number;
  /** Forwards added after boot with hostfwd_add (the ssh/docker ones are in the command line). */
  readonly forwards: readonly PortForward[];
  readonly accel: Accelerator;
  /** ISO 8601 */
  readonly startedAt: string;
  readonly binary: string;
}

/** `run/qemu.json` */
export function statePath(paths: DlitePaths): string {
  return path.join(paths.runDir, 'qemu.json');
}

/** `log/qemu.log`: QEMU's own stdout/stderr. */
export function qemuLogPath(paths: DlitePaths): string {
  return path.join(paths.logDir, 'qemu.log');
}

/** Reads `run/qemu.json`; null when missing or garbled. */
export async function readState(paths: DlitePaths): Promise<QemuState | null> {
  try {
    const v = JSON.parse(await readFile(statePath(paths), 'utf8')) as Partial<QemuState>;
    if (typeof v.pid !== 'number' || typeof v.sshPort !== 'number') return null;
    return {
      pid: v.pid,
      sshPort: v.sshPort,
      forwards: Array.isArray(v.forwards) ? v.forwards : [],
      accel: v.accel ?? 'tcg',
      startedAt: v.startedAt ?? '',
      binary: v.binary ?? '',
    };
  } catch {
    return null;
  }
}

/** Writes `run/qemu.json` atomically. */
export async function writeState(paths: DlitePaths, state: QemuState): Promise<void> {
  const file = statePath(paths);
  await writeFile(`${file}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

export async function removeState(paths: DlitePaths): Promise<void> {
  await rm(statePath(paths), { force: true });
}

/** True when a process command line is a QEMU booting `disk` (guards against pid reuse). */
export function isQemuForDisk(cmdline: string, disk: string): boolean {
  return /qemu-system-/.test(cmdline) && cmdline.includes(`file=${qemuOptValue(disk)},`);
}

/** The host port forwarded to guest port 22, read back from a QEMU command line; null if absent. */
export function sshPortFromCmdline(cmdline: string): number | null {
  const m = /hostfwd=tcp:127\.0\.0\.1:(\d+)-:22(?:,|\s|$)/.exec(cmdline);
  return m ? Number(m[1]) : null;
}

/** Moves `file` to `file.1` (replacing an older one) when it is not empty. Missing files are fine. */
export async function rotateLog(file: string): Promise<void> {
  try {
    if ((await stat(file)).size === 0) return;
    await rename(file, `${file}.1`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** Removes the pidfile, `run/qemu.json`, the QMP socket and the Docker port socket. Idempotent. */
export async function removeRunFiles(paths: DlitePaths): Promise<void> {
  await rm(paths.vmPid, { force: true });
  await removeState(paths);
  await rm(paths.qmpSocket, { force: true });
  await rm(paths.dockerPortSocket, { force: true });
  await rm(paths.bootInitrd, { force: true });
}

/** The first of `pids` that is alive and is QEMU for `paths.disk` (pid reuse checked), else null. */
export async function findQemuForDisk(
  paths: DlitePaths,
  pids: readonly (number | null | undefined)[],
): Promise<number | null> {
  for (const pid of pids) {
    if (pid == null || !(await isAlive(pid))) continue;
    const cmd = await processCommandLine(pid);
    if (cmd !== null && isQemuForDisk(cmd, paths.disk)) return pid;
  }
  return null;
}

/**
 * The state of a QEMU being adopted: `saved` when it describes `pid`, else rebuilt from the process
 * command line (ssh port from its hostfwd, accelerator from `-accel`); null when the ssh port is unknown.
 */
export function adoptedState(pid: number, cmdline: string, saved: QemuState | null): QemuState | null {
  if (saved?.pid === pid) return saved;
  const sshPort = sshPortFromCmdline(cmdline);
  if (sshPort === null) return null;
  const accel = /-accel (kvm|hvf)\b/.exec(cmdline)?.[1] as Accelerator | undefined;
  return {
    pid,
    sshPort,
    forwards: [],
    accel: accel ?? 'tcg',
    startedAt: new Date().toISOString(),
    binary: cmdline.split(' ')[0] ?? '',
  };
}
