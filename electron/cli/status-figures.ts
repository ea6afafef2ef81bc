import { formatBytes } from '../shared/format-transfer.js';
import type { ResourceFigures, VmStatus } from '../shared/types.js';

function pair(used: number | null, total: number | null): string {
  if (used === null) return '—';
  return total ? `${formatBytes(used)} of ${formatBytes(total)}` : formatBytes(used);
}

/** The `dlite status` lines of the four resource figures; none before the first sample. */
export function formatFigures(r: ResourceFigures | null): string[] {
  if (r === null) return [];
  const lines: string[] = [];
  if (r.hypervisorRssBytes !== null) {
    const cpu = r.hypervisorCpuPercent === null ? '—' : `${r.hypervisorCpuPercent.toFixed(1)} %`;
    lines.push(`host cost:  CPU ${cpu} of a core (last minute), memory ${formatBytes(r.hypervisorRssBytes)}`);
  }
  if (r.diskAllocatedBytes !== null) {
    lines.push(
      `disk file:  ${formatBytes(r.diskAllocatedBytes)} on this machine (of ${formatBytes(r.diskSizeBytes ?? 0)})`,
    );
  }
  if (r.guestMemoryUsedBytes !== null) {
    lines.push(
      `in the VM:  memory ${pair(r.guestMemoryUsedBytes, r.guestMemoryTotalBytes)}, disk ${pair(r.guestDiskUsedBytes, r.guestDiskTotalBytes)}`,
    );
  }
  return lines;
}

/** While sleeping: since when, and how the wake goes. */
export function formatSleep(s: VmStatus): string[] {
  if (s.state !== 'sleeping' || !s.sleep) return [];
  return [
    s.sleep.suspended
      ? `asleep:     since ${s.sleep.since}, saved (${formatBytes(s.sleep.savedStateBytes ?? 0)}); docker.sock wakes it in seconds`
      : `asleep:     since ${s.sleep.since}, shut down; docker.sock boots it again`,
  ];
}
