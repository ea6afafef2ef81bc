import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

import { DriverError, type GuestArch } from '../driver.js';
import { qemuBinaryFor } from './qemu-args.js';

/** Where Homebrew and MacPorts put QEMU; GUI apps on macOS start with a minimal PATH. */
const DARWIN_EXTRA_DIRS = ['/opt/homebrew/bin', '/usr/local/bin', '/opt/local/bin'];

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The QEMU system emulator for `arch`: `$DLITE_QEMU` when set (it MUST then be an executable path),
 * else `qemu-system-x86_64`/`qemu-system-aarch64` from PATH (plus Homebrew/MacPorts dirs on macOS).
 * Rejects with DriverError('driver-unavailable') naming what to install or set.
 */
export async function resolveQemuBinary(
  arch: GuestArch,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<string> {
  const override = env['DLITE_QEMU'];
  if (override) {
    if (await isExecutable(override)) return path.resolve(override);
    throw new DriverError('driver-unavailable', `DLITE_QEMU=${override} is not an executable file`);
  }
  const name = qemuBinaryFor(arch);
  const dirs = (env['PATH'] ?? '').split(path.delimiter).filter(Boolean);
  if (platform === 'darwin') dirs.push(...DARWIN_EXTRA_DIRS);
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  throw new DriverError(
    'driver-unavailable',
    `${name} was not found on PATH; install QEMU (${platform === 'darwin' ? 'brew install qemu' : 'apt install qemu-system'}) or set DLITE_QEMU`,
  );
}
