import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

import type { HypervisorName, HypervisorSetting } from '../../shared/types.js';
import type { DlitePaths } from '../paths.js';
import { HOMEBREW_BIN_DIRS } from './binary-lookup.js';
import { DriverError, type HypervisorDriver } from './driver.js';
import { QemuDriver, type QemuDriverOptions } from './qemu/qemu-driver.js';
import { VfkitDriver, type VfkitDriverOptions } from './vfkit/vfkit-driver.js';
import { XHYVE_ROOT_BINARY } from './xhyve/launcher.js';
import { XhyveDriver, type XhyveDriverOptions } from './xhyve/xhyve-driver.js';

/** The host a driver is chosen for (`process.platform`, `process.arch`). */
export interface HostInfo {
  readonly platform: NodeJS.Platform;
  readonly arch: string;
}

/**
 * Options passed through to the driver constructor. `binaries` carries the `xhyve_binary` and
 * `vfkit_binary` settings to the driver they belong to.
 */
export type DriverOptions = QemuDriverOptions &
  Omit<XhyveDriverOptions, 'binary'> &
  Omit<VfkitDriverOptions, 'binary'> & {
    readonly binaries?: { readonly xhyve?: string; readonly vfkit?: string };
  };

/** One driver this build knows. Add xhyve/vfkit here as entries; nothing else changes. */
export interface DriverEntry {
  readonly name: HypervisorName;
  /** True when the driver can run on this host and its hypervisor is installed (cheap, synchronous). */
  installed(host: HostInfo, env: NodeJS.ProcessEnv): boolean;
  create(paths: DlitePaths, opts: DriverOptions): HypervisorDriver;
}

/** `auto` preference per host, best first (DESIGN.md "Drivers"): the first installed one wins. */
export function autoPreference(host: HostInfo): readonly HypervisorName[] {
  if (host.platform === 'darwin') {
    return host.arch === 'arm64' ? ['vfkit', 'qemu'] : ['xhyve', 'vfkit', 'qemu'];
  }
  return ['qemu'];
}

const ENTRIES: readonly DriverEntry[] = [
  {
    name: 'qemu',
    // Always offered: validate() explains how to install QEMU when it is missing.
    installed: () => true,
    create: (paths, opts) => new QemuDriver(paths, opts),
  },
  {
    name: 'xhyve',
    // Intel Macs only; installed = found where the driver looks, or already set up as root.
    installed: (host, env) =>
      host.platform === 'darwin' &&
      host.arch !== 'arm64' &&
      (binaryOnPath('xhyve', withHomebrew(env)) || existsSync(XHYVE_ROOT_BINARY)),
    create: (paths, opts) => new XhyveDriver(paths, { ...opts, binary: opts.binaries?.xhyve ?? '' }),
  },
  {
    name: 'vfkit',
    installed: (host, env) => host.platform === 'darwin' && binaryOnPath('vfkit', withHomebrew(env)),
    create: (paths, opts) => new VfkitDriver(paths, { ...opts, binary: opts.binaries?.vfkit ?? '' }),
  },
];

/** `env` with the Homebrew prefixes appended to PATH (GUI apps start with a minimal PATH). */
function withHomebrew(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PATH: [env['PATH'] ?? '', ...HOMEBREW_BIN_DIRS].filter(Boolean).join(path.delimiter) };
}

/**
 * Why driver `name` can never run on `host` (one line naming the fix), or null. Pure. xhyve needs an
 * Intel Mac, vfkit a Mac; QEMU runs anywhere (its own checks explain a missing binary).
 */
export function hostProblem(name: HypervisorName, host: HostInfo): string | null {
  const where = host.platform === 'darwin' ? `this Mac (${host.arch})` : `this machine (${host.platform})`;
  if (name === 'xhyve' && (host.platform !== 'darwin' || host.arch === 'arm64')) {
    return `xhyve runs only on Intel Macs, not on ${where}: dlite config set hypervisor auto`;
  }
  if (name === 'vfkit' && host.platform !== 'darwin') {
    return `vfkit runs only on macOS 13 or later, not on ${where}: dlite config set hypervisor auto`;
  }
  return null;
}

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
 * in `available` (vfkit on Apple Silicon; on Intel Macs xhyve where installed, else vfkit; QEMU on
 * Linux and as the last resort).
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
