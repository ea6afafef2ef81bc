import type { DriverFeatures } from '../drivers/driver.js';

const MIB = 2 ** 20;

/**
 * When a footprint is "far above" the VM's idle level, and how quiet the VM must be first
 * (`restart_to_free_memory`).
 * - `ratio` 1.5: the same line as the memory-back benchmark, where a hypervisor that returns memory
 *   must come back to within 1.5× its idle RSS; above it, memory a workload used is still held.
 * - `minExcessBytes` 512 MiB: a restart costs a boot and drops the guest's caches, so it must buy
 *   back a real amount; a small VM drifting from 300 to 450 MiB is not worth it.
 * - `quietMs` 2 min: a script's gap between two `docker run`s is not an idle VM.
 */
export const MEMORY_RESTART = {
  ratio: 1.5,
  minExcessBytes: 512 * MIB,
  quietMs: 2 * 60_000,
} as const;

/** What the decision looks at; every figure is the newest one known. */
export interface FootprintLook {
  /** The `restart_to_free_memory` setting. */
  readonly enabled: boolean;
  /** The running driver's {@link DriverFeatures.memoryReturn}. */
  readonly memoryReturn: DriverFeatures['memoryReturn'];
  /** Milliseconds with no running container, docker.sock client or SSH session. */
  readonly idleForMs: number;
  /** The hypervisor's resident memory now, bytes; null when unknown. */
  readonly rssBytes: number | null;
  /** Its resident memory when it was first seen idle after the boot (see {@link idleLevel}); null before. */
  readonly idleRssBytes: number | null;
}

/**
 * The VM's idle level: the hypervisor's RSS the first time it is seen idle (no container, client
 * or SSH session) after a boot. Kept once set, so it describes a freshly booted, unused VM. Pure.
 */
export function idleLevel(current: number | null, rssBytes: number | null, idle: boolean): number | null {
  return current ?? (idle ? rssBytes : null);
}

/**
 * Why the VM should be restarted now to give memory back (one line for the log), or null. Only
 * when the setting is on, the hypervisor cannot return freed memory, the VM has been quiet for
 * {@link MEMORY_RESTART}.quietMs, and its RSS is at least `ratio` × its idle level and
 * `minExcessBytes` above it. Pure.
 */
export function memoryRestartReason(
  look: FootprintLook,
  quietMs: number = MEMORY_RESTART.quietMs,
): string | null {
  const { rssBytes: rss, idleRssBytes: level } = look;
  if (!look.enabled || look.memoryReturn !== 'none' || rss === null || level === null) return null;
  if (look.idleForMs < quietMs) return null;
  if (rss < level * MEMORY_RESTART.ratio || rss - level < MEMORY_RESTART.minExcessBytes) return null;
  const mib = (b: number) => `${Math.round(b / MIB)} MiB`;
  return `the hypervisor holds ${mib(rss)}, ${(rss / level).toFixed(1)}× its idle ${mib(level)}, and cannot return freed memory`;
}
