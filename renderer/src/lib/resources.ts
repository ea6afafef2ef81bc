import { formatBytes } from '../../../electron/shared/format-transfer.js';
import type { DiskReclaim, HostInfo, ResourceFigures, VmStatus } from '../../../electron/shared/types.js';
import { formatDuration } from './format.js';

const GIB = 2 ** 30;

/** Figures older than this (ms) are shown with their age: the daemon samples every 10 s while running. */
export const STALE_MS = 90_000;

/** One figure of a resource line: its words, and a longer description for a tooltip and screen readers. */
export interface Figure {
  readonly text: string;
  readonly title: string;
}

/** The popover's two resource lines. */
export interface ResourceView {
  /** The VM's allowance, with what it uses inside when measured: CPU 2 · Memory 1.2/4 GiB · Disk 12/60 GiB. */
  readonly vm: readonly Figure[];
  /** What the VM costs this machine (hypervisor CPU and memory, the disk file); empty when unmeasured. */
  readonly host: readonly Figure[];
  /** How old the figures are, e.g. "3 min ago", when older than {@link STALE_MS}; null otherwise. */
  readonly age: string | null;
}

/** GiB with one decimal below 10 ("1.2", "0.3"), whole above ("12"); pure. */
export function gibFigure(bytes: number): string {
  const g = bytes / GIB;
  if (g >= 10) return String(Math.round(g));
  const rounded = Math.round(g * 10) / 10;
  return rounded === 0 && bytes > 0 ? '0.1' : String(rounded);
}

/** "3 %", "0.4 %", "112 %" of one core; pure. */
export function percentFigure(percent: number): string {
  return `${percent < 10 ? Math.round(percent * 10) / 10 : Math.round(percent)} %`;
}

/**
 * The resource lines of the popover (pure). The VM line is the settings, with the guest's own use
 * in front of the slash once measured; the host line is what the hypervisor and the disk file take
 * on this machine. Nothing is guessed: a figure the daemon has not measured is left out.
 */
export function resourceView(status: VmStatus, host: HostInfo | null, now: number): ResourceView {
  const r: ResourceFigures | null = status.resources ?? null;
  const running = status.state === 'running';
  const memTotal = status.memoryGiB;
  const diskTotalBytes = r?.diskSizeBytes ?? (host?.diskGiB ?? status.diskGiB) * GIB;
  const diskTotal = gibFigure(diskTotalBytes);
  const memUsed = running ? (r?.guestMemoryUsedBytes ?? null) : null;
  const diskUsed = running ? (r?.guestDiskUsedBytes ?? null) : null;
  const vm: Figure[] = [
    { text: `CPU ${status.cpus}`, title: `${status.cpus} virtual CPUs` },
    memUsed === null
      ? { text: `Memory ${memTotal} GiB`, title: `${memTotal} GiB of memory` }
      : {
          text: `Memory ${gibFigure(memUsed)}/${memTotal} GiB`,
          title: `${formatBytes(memUsed)} of the VM’s ${memTotal} GiB in use inside it`,
        },
    diskUsed === null
      ? { text: `Disk ${diskTotal} GiB`, title: `a disk of ${diskTotal} GiB` }
      : {
          text: `Disk ${gibFigure(diskUsed)}/${diskTotal} GiB`,
          title: `${formatBytes(diskUsed)} of the ${diskTotal} GiB disk in use inside the VM`,
        },
  ];
  const hostFigures: Figure[] = [];
  if (r !== null && running) {
    if (r.hypervisorCpuPercent !== null) {
      hostFigures.push({
        text: `CPU ${percentFigure(r.hypervisorCpuPercent)}`,
        title: `The hypervisor used ${percentFigure(r.hypervisorCpuPercent)} of one core over the last minute`,
      });
    }
    if (r.hypervisorRssBytes !== null) {
      hostFigures.push({
        text: `Memory ${gibFigure(r.hypervisorRssBytes)} GiB`,
        title: `The hypervisor holds ${formatBytes(r.hypervisorRssBytes)} of this machine’s memory`,
      });
    }
  }
  if (r?.diskAllocatedBytes != null) {
    hostFigures.push({
      text: `Disk ${gibFigure(r.diskAllocatedBytes)} GiB`,
      title: `The VM’s disk file takes ${formatBytes(r.diskAllocatedBytes)} on this machine (it grows as needed)`,
    });
  }
  const ageMs = r ? now - Date.parse(r.sampledAt) : 0;
  const age = hostFigures.length > 0 && ageMs > STALE_MS ? `${formatDuration(ageMs / 1000)} ago` : null;
  return { vm, host: hostFigures, age };
}

/** "This Mac" on macOS, "This machine" elsewhere (and before the host is known). */
export function machineName(host: HostInfo | null): string {
  return host?.platform === 'darwin' ? 'This Mac' : 'This machine';
}

/** Less than this coming back (bytes) counts as nothing: allocation moves in blocks. */
const RECLAIM_NOTHING_BYTES = 2 ** 20;

/** What a disk reclaim did, in one sentence (pure). */
export function reclaimMessage(r: DiskReclaim, host: HostInfo | null): string {
  const back = r.allocatedBeforeBytes - r.allocatedAfterBytes;
  const takes = formatBytes(r.allocatedAfterBytes);
  const machine = machineName(host).replace(/^This/, 'this');
  if (back < RECLAIM_NOTHING_BYTES) {
    return `Nothing came back: the VM’s disk already takes only what it uses (${takes} on ${machine}).`;
  }
  return `Gave ${formatBytes(back)} back to ${machine}; the VM’s disk now takes ${takes}.`;
}
