import { constants } from 'node:fs';
import { access } from 'node:fs/promises';

import { overlongSockets, type DlitePaths } from '../../paths.js';
import { DriverError, type DriverStatus, type GuestArch, type VmConfig } from '../driver.js';
import { detectAccelerator, type AccelChoice } from './accel.js';
import { nativeHostArch } from './qemu-args.js';
import { resolveQemuBinary } from './binary.js';
import { QmpClient } from './qmp.js';
import type { QemuVm } from './vm-handle.js';

/**
 * Checks that this host can boot `cfg` under QEMU: socket paths fit, the arch is bootable, the QEMU
 * binary exists, kernel and initramfs are readable. Resolves with the binary and the accelerator
 * (always tcg for a guest whose arch is not the host CPU's);
 * rejects with DriverError('driver-unavailable') naming what is missing.
 */
export async function checkHost(
  paths: DlitePaths,
  cfg: VmConfig,
  arches: readonly GuestArch[],
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
  hostArch: string = process.arch,
): Promise<{ binary: string; accel: AccelChoice }> {
  const long = overlongSockets(paths);
  if (long.length > 0) {
    throw new DriverError(
      'driver-unavailable',
      `socket path ${long[0]} is too long; use a shorter DLITE_HOME`,
    );
  }
  if (!arches.includes(cfg.arch)) {
    throw new DriverError(
      'driver-unavailable',
      `qemu here boots ${arches.join(', ')} guests, not ${cfg.arch}`,
    );
  }
  const binary = await resolveQemuBinary(cfg.arch, env, platform);
  for (const [what, file] of [
    ['kernel', cfg.kernelPath],
    ['initramfs', cfg.initrdPath],
  ] as const) {
    await access(file, constants.R_OK).catch(() => {
      throw new DriverError(
        'driver-unavailable',
        `the guest ${what} ${file} is missing; reinstall the OS image`,
      );
    });
  }
  if (nativeHostArch(cfg.arch) !== hostArch) {
    return {
      binary,
      accel: { accel: 'tcg', reason: `an ${cfg.arch} guest on an ${hostArch} host is emulated` },
    };
  }
  return { binary, accel: await detectAccelerator(binary, platform) };
}

/**
 * Status of a live QEMU `pid` via QMP `query-status`: through `owned`'s connection when this driver
 * drives it, else over a short-lived connection (QEMU serves one QMP client at a time, so a QEMU held
 * by another supervisor reads as broken).
 */
export async function queryQemu(owned: QemuVm | null, socket: string, pid: number): Promise<DriverStatus> {
  const qmp = owned
    ? await owned.qmpClient(2000)
    : await QmpClient.connect(socket, { timeoutMs: 2000 }).catch(() => null);
  if (!qmp) return { state: 'broken', pid, reason: 'QEMU does not answer on its QMP socket' };
  try {
    const s = await qmp.queryStatus();
    return s.running
      ? { state: 'running', pid }
      : { state: 'broken', pid, reason: `QEMU status is ${s.status}` };
  } catch (e) {
    return { state: 'broken', pid, reason: (e as Error).message };
  } finally {
    if (!owned) qmp.close();
  }
}
