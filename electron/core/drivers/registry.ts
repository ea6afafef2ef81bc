import { accessSync, constants } from 'node:fs';
import path from 'node:path';

import type { HypervisorName, HypervisorSetting } from '../../shared/types.js';
import type { DlitePaths } from '../paths.js';
import { DriverError, type HypervisorDriver } from './driver.js';
import { QemuDriver, type QemuDriverOptions } from './qemu/qemu-driver.js';

/** The host a driver is chosen for (`process.platform`, `process.arch`). */
export interface HostInfo {
  readonly platform: NodeJS.Platform;
  readonly arch: string;
}

/** Options passed through to the driver constructor. */
export type DriverOptions = QemuDriverOptions;

/** One driver this build knows. Add xhyve/vfkit here as entries; nothing else changes. */
export interface DriverEntry {
  readonly name: HypervisorName;
  /** True when the driver can run on this host and its hypervisor is installed (cheap, synchronous). */
  installed(host: HostInfo, env: NodeJS.ProcessEnv): boolean;
  create(paths: DlitePaths, opts: DriverOptions): HypervisorDriver;
}

/** `auto` preference per host, best first (DESIGN.md "Drivers"): the first installed one wins. */
export function autoPreference(host: HostInfo): readonly HypervisorName[] {
  if (host.platform === 'darwin') return host.arch === 'arm64' ? ['vfkit', 'qemu'] : ['xhyve', 'qemu'];
  return ['qemu'];
}

const ENTRIES: readonly DriverEntry[] = [
  {
    name: 'qemu',
    // Always offered: validate() explains how to install QEMU when it is missing.
    installed: () => true,
    create: (paths, opts) => new QemuDriver(paths, opts),
  },
];

/** The drivers this build contains. */
export function registeredDrivers(): readonly HypervisorName[] {
  return ENTRIES.map((e) => e.name);
}

/** The registered drivers whose hypervisor is installed on `host`. */
export function availableDrivers(
  host: HostInfo,
  env: NodeJS.ProcessEnv = process.env,
  entries: readonly DriverEntry[] = ENTRIES,
): ReadonlySet<HypervisorName> {
  return new Set(entries.filter((e) => e.installed(host, env)).map((e) => e.name));
}

/**
 * The driver to use: an explicit setting as is; `auto` → the first of {@link autoPreference} that is
 * in `available` (vfkit on Apple Silicon, xhyve on Intel Macs where installed, else QEMU; QEMU on Linux).
 */
export function selectDriver(
  setting: HypervisorSetting,
  host: HostInfo,
  available: ReadonlySet<HypervisorName> = availableDrivers(host),
): HypervisorName {
  if (setting !== 'auto') return setting;
  return autoPreference(host).find((name) => available.has(name)) ?? 'qemu';
}

/** Whether `binary` is an executable on PATH; for entries whose `installed` is a PATH lookup (xhyve, vfkit). */
export function binaryOnPath(binary: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env['PATH'] ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * A new driver instance for `name`. Throws DriverError('driver-unavailable') for a driver this
 * build does not contain.
 */
export function createDriver(
  name: HypervisorName,
  paths: DlitePaths,
  opts: DriverOptions = {},
  entries: readonly DriverEntry[] = ENTRIES,
): HypervisorDriver {
  const entry = entries.find((e) => e.name === name);
  if (!entry) throw new DriverError('driver-unavailable', `${name} is not available in this build`);
  return entry.create(paths, opts);
}
