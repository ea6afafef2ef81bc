import { stat } from 'node:fs/promises';

import type { ResourceFigures } from '../../shared/types.js';
import { combinedRss, sampleProcess } from './proc-stats.js';

/** What `/usr/lib/dlite/reclaim usage` prints in the guest (bytes). */
export interface GuestUsage {
  readonly memTotalBytes: number;
  readonly memUsedBytes: number;
  readonly diskTotalBytes: number;
  readonly diskUsedBytes: number;
}

/**
 * Run as root when the memory is handed back: drops the clean page cache and compacts free memory
 * into the blocks free page reporting hands back to the host. The balloon then takes what is still
 * scattered (HypervisorDriver.returnFreeMemory). This light form follows a resume, when the client
 * that woke the VM is waiting for it.
 */
export const GUEST_SETTLE_COMMAND = [
  '/bin/sh',
  '-c',
  'sync; echo 1 > /proc/sys/vm/drop_caches; echo 1 > /proc/sys/vm/compact_memory',
] as const;

/**
 * {@link GUEST_SETTLE_COMMAND} for a VM that has been quiet for a while: between the two, the root
 * cgroup also reclaims what it can (`memory.reclaim`: the file pages programs map too, such as the
 * engine's binaries, which come back from the image on their next use; with no swap, anonymous memory
 * stays). `memory.reclaim` fails when it could not reclaim the whole amount asked for, as expected here.
 */
export const GUEST_IDLE_SETTLE_COMMAND = [
  '/bin/sh',
  '-c',
  'sync; echo 1 > /proc/sys/vm/drop_caches; echo 1G > /sys/fs/cgroup/memory.reclaim 2>/dev/null; ' +
    'echo 1 > /proc/sys/vm/compact_memory',
] as const;

/** The guest command that prints {@link GuestUsage} (and the count of interactive SSH sessions). */
export const GUEST_USAGE_COMMAND = [
  '/bin/sh',
  '-c',
  '/usr/lib/dlite/reclaim usage; echo "pty_sessions $(ls /dev/pts | grep -c "^[0-9]")"',
] as const;

/**
 * Parses `key value` lines (`mem_total_kib`, `mem_available_kib`, `disk_total_kib`,
 * `disk_used_kib`, `pty_sessions`). Pure; null when a memory figure is missing.
 */
export function parseGuestUsage(text: string): { usage: GuestUsage; ptySessions: number } | null {
  const v = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\s+(\d+)\s*$/.exec(line.trim());
    if (m) v.set(m[1]!, Number(m[2]));
  }
  const total = v.get('mem_total_kib');
  const avail = v.get('mem_available_kib');
  if (total === undefined || avail === undefined) return null;
  return {
    usage: {
      memTotalBytes: total * 1024,
      memUsedBytes: Math.max(0, total - avail) * 1024,
      diskTotalBytes: (v.get('disk_total_kib') ?? 0) * 1024,
      diskUsedBytes: (v.get('disk_used_kib') ?? 0) * 1024,
    },
    ptySessions: v.get('pty_sessions') ?? 0,
  };
}

/** CPU time samples of the hypervisor; the rate is taken over the newest `windowMs`. */
export class CpuWindow {
  private samples: { at: number; cpu: number; key: string }[] = [];

  constructor(private readonly windowMs = 60_000) {}

  /** Adds a sample (ms, CPU seconds, the processes it is of). Other processes start over. */
  add(at: number, cpuSeconds: number, key: string): void {
    if (this.samples.length > 0 && this.samples[0]!.key !== key) this.samples = [];
    this.samples.push({ at, cpu: cpuSeconds, key });
    const keepFrom = at - this.windowMs;
    while (this.samples.length > 2 && this.samples[1]!.at <= keepFrom) this.samples.shift();
  }

  /** % of one core between the oldest and newest sample in the window; null before two samples. */
  percent(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at <= first.at) return null;
    return (100 * (last.cpu - first.cpu) * 1000) / (last.at - first.at);
  }

  clear(): void {
    this.samples = [];
  }
}

/** `disk.img`'s allocated and apparent size; nulls when it is missing. */
export async function diskFigures(disk: string): Promise<{ allocated: number | null; size: number | null }> {
  try {
    const s = await stat(disk);
    return { allocated: s.blocks * 512, size: s.size };
  } catch {
    return { allocated: null, size: null };
  }
}

/**
 * Keeps the four figures of `dlite status`: samples the hypervisor processes (cheap: /proc reads,
 * no guest round trip) and merges the latest guest usage reported by the idle probe.
 */
export class ResourceSampler {
  private readonly cpu = new CpuWindow();
  private guest: GuestUsage | null = null;
  private last: ResourceFigures | null = null;

  constructor(private readonly disk: string) {}

  /** Records the guest's own usage (from {@link parseGuestUsage}); null when the VM is not running. */
  setGuest(usage: GuestUsage | null): void {
    this.guest = usage;
  }

  /** Samples `pids` (hypervisor first; empty when it is not running) and the disk file now. */
  async sample(pids: readonly number[]): Promise<ResourceFigures> {
    const procs = (await Promise.all(pids.map((p) => sampleProcess(p)))).filter((s) => s !== null);
    const now = Date.now();
    const main = procs[0];
    if (main && procs.length === pids.length) {
      this.cpu.add(
        now,
        procs.reduce((sum, p) => sum + p.cpuSeconds, 0),
        pids.join(','),
      );
    } else if (!main) this.cpu.clear();
    const disk = await diskFigures(this.disk);
    const g = main ? this.guest : null;
    this.last = {
      sampledAt: new Date(now).toISOString(),
      hypervisorCpuPercent: main ? roundTo(this.cpu.percent(), 2) : null,
      hypervisorRssBytes: main ? combinedRss(procs) : null,
      diskAllocatedBytes: disk.allocated,
      diskSizeBytes: disk.size,
      guestMemoryUsedBytes: g?.memUsedBytes ?? null,
      guestMemoryTotalBytes: g?.memTotalBytes ?? null,
      guestDiskUsedBytes: g?.diskUsedBytes ?? null,
      guestDiskTotalBytes: g?.diskTotalBytes ?? null,
    };
    return this.last;
  }

  /** The newest figures, or null before the first sample. */
  latest(): ResourceFigures | null {
    return this.last;
  }
}

function roundTo(v: number | null, digits: number): number | null {
  if (v === null) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
