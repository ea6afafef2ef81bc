import { open } from 'node:fs/promises';

import type { GuestArch } from '../driver.js';

/**
 * Why `kernel` cannot boot under Virtualization.framework, or null when it can. Apple Silicon needs
 * an uncompressed arm64 `Image` (magic `ARM\x64` at 0x38); a gzip or EFI zboot kernel hangs or is
 * refused (REFERENCE.md 2.1). Intel takes the bzImage (`HdrS` at 0x202). Reads 1 KiB.
 */
export async function kernelProblem(kernel: string, arch: GuestArch): Promise<string | null> {
  const head = Buffer.alloc(1024);
  let n: number;
  try {
    const fh = await open(kernel, 'r');
    try {
      ({ bytesRead: n } = await fh.read(head, 0, head.length, 0));
    } finally {
      await fh.close();
    }
  } catch (e) {
    return `${kernel} cannot be read: ${(e as Error).message}`;
  }
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    return `${kernel} is gzip-compressed; vfkit needs it uncompressed`;
  }
  if (n >= 8 && head.toString('latin1', 4, 8) === 'zimg') {
    return `${kernel} is an EFI zboot (compressed) kernel; vfkit needs the uncompressed Image`;
  }
  if (arch === 'arm64') {
    return n >= 0x3c && head.toString('latin1', 0x38, 0x3c) === 'ARM\x64'
      ? null
      : `${kernel} is not an arm64 Image`;
  }
  return n >= 0x206 && head.toString('latin1', 0x202, 0x206) === 'HdrS'
    ? null
    : `${kernel} is not an x86 bzImage`;
}
