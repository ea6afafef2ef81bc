import type { GuestArch } from './drivers/driver.js';

/**
 * The guest architecture that runs natively on a host CPU named as Node names it (`process.arch`):
 * `arm64` on Apple Silicon and arm64 Linux, `amd64` everywhere else. The one place this is decided.
 */
export function hostArch(arch: string = process.arch): GuestArch {
  return arch === 'arm64' ? 'arm64' : 'amd64';
}
