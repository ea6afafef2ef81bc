import { open, stat } from 'node:fs/promises';
import path from 'node:path';

import { DliteError } from '../dlite-error.js';

/** Bytes in one GiB. */
export const GIB = 1024 ** 3;

/** A disk request that cannot be honoured. */
export class DiskError extends DliteError {
  override name = 'DiskError';
  constructor(code: 'disk-shrink-refused' | 'invalid-argument', message: string, file?: string) {
    super(code, message, { field: 'disk_size', ...(file === undefined ? {} : { file }) });
  }
}

/** What {@link ensureDisk} did. */
export interface EnsureDiskResult {
  readonly action: 'created' | 'grown' | 'unchanged';
  /** Apparent size after the call, in bytes. */
  readonly bytes: number;
}

/** Apparent and allocated size of a disk image, in bytes. */
export interface DiskInfo {
  readonly bytes: number;
  /** Bytes actually allocated on the host file system (sparse images use far less than `bytes`). */
  readonly allocatedBytes: number;
}

function formatGiB(bytes: number): string {
  const gib = bytes / GIB;
  return Number.isInteger(gib) ? `${gib} GiB` : `${gib.toFixed(2)} GiB`;
}

/**
 * Makes `file` a raw disk image of `sizeGiB` GiB (a positive integer): creates it sparse (mode 0600)
 * when absent, grows it with ftruncate when smaller (the guest grows its file system), and leaves it
 * alone when equal. Never writes contents. Idempotent.
 * Throws DiskError('disk-shrink-refused') when the image is larger than requested: shrinking would cut
 * off guest data.
 */
export async function ensureDisk(file: string, sizeGiB: number): Promise<EnsureDiskResult> {
  if (!Number.isSafeInteger(sizeGiB) || sizeGiB <= 0) {
    throw new DiskError(
      'invalid-argument',
      `disk size must be a whole number of GiB above 0, got ${sizeGiB}`,
    );
  }
  const want = sizeGiB * GIB;
  let fh;
  let created = false;
  try {
    fh = await open(file, 'wx', 0o600);
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    fh = await open(file, 'r+');
  }
  try {
    const { size } = await fh.stat();
    if (created) {
      await fh.truncate(want);
      return { action: 'created', bytes: want };
    }
    if (size > want) {
      throw new DiskError(
        'disk-shrink-refused',
        `${path.basename(file)} is ${formatGiB(size)}; refusing to shrink it to ${formatGiB(want)} (set disk_size to at least ${Math.ceil(size / GIB)})`,
        file,
      );
    }
    if (size === want) return { action: 'unchanged', bytes: size };
    await fh.truncate(want);
    return { action: 'grown', bytes: want };
  } finally {
    await fh.close();
  }
}

/** Apparent and allocated size of `file`. Rejects (ENOENT) when it does not exist. */
export async function diskInfo(file: string): Promise<DiskInfo> {
  const s = await stat(file);
  return { bytes: s.size, allocatedBytes: s.blocks * 512 };
}
