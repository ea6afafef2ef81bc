import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { DlitePaths } from '../../paths.js';
import type { Accelerator } from './accel.js';
import { qemuOptValue, type PortForward } from './args.js';

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
