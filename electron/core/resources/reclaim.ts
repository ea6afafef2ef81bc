import type { DiskReclaim } from '../../shared/types.js';
import type { GuestLink } from '../supervisor/ports.js';
import { diskFigures } from './figures.js';

/**
 * Trims the data disk in the guest and prints `trimmed <bytes>` (build/os). `sync` first: ext4 only
 * trims blocks whose freeing is committed, and a deletion of a moment ago (`docker rmi`) is not yet.
 */
export const GUEST_TRIM = ['/bin/sh', '-c', 'sync && /usr/lib/dlite/reclaim trim'] as const;

/** `trimmed <bytes>` → bytes. Pure; null when the line is missing. */
export function parseTrimmed(text: string): number | null {
  const m = /^trimmed (\d+)\s*$/m.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * Trims the guest's data disk now (QEMU turns the trims into holes in the sparse `disk.img`) and
 * measures the disk file before and after. Rejects when the guest command fails.
 */
export async function reclaimDisk(link: GuestLink, disk: string): Promise<DiskReclaim> {
  const before = await diskFigures(disk);
  const r = await link.run(GUEST_TRIM, 300_000);
  const trimmed = parseTrimmed(r.stdout);
  if (r.exitCode !== 0 || trimmed === null) {
    throw new Error(`fstrim in the VM failed (exit ${r.exitCode}): ${r.stdout.trim()}`);
  }
  const after = await diskFigures(disk);
  return {
    trimmedBytes: trimmed,
    allocatedBeforeBytes: before.allocated ?? 0,
    allocatedAfterBytes: after.allocated ?? 0,
  };
}
