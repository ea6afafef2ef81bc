import type { SleepInfo } from '../../shared/types.js';
import type { HypervisorDriver } from '../drivers/driver.js';
import type { Logger } from '../log/logger.js';
import type { GuestLink } from './ports.js';
import type { Boot } from './status.js';

/** Guest helper that prepares for a save and mounts the share again after it (build/os). */
export const GUEST_SUSPEND = '/usr/lib/dlite/suspend';

/** Timeouts (ms) of an idle stop. */
export const SLEEP_TIMEOUTS = {
  /** sync + trim + unmount in the guest. */
  prepare: 60_000,
  /** Saving the VM to a file. */
  save: 120_000,
  /** A graceful shutdown where the VM cannot be saved. */
  shutdown: 30_000,
} as const;

/** Thrown when the guest cannot be saved now (the share is busy); the VM keeps running. */
export class GuestBusyError extends Error {}

/**
 * Asks the guest to get ready for a save (sync, trim, unmount the share). Rejects with
 * {@link GuestBusyError} when it refuses; the VM is then untouched and keeps running.
 */
export async function prepareGuest(link: GuestLink): Promise<void> {
  const r = await link.run([GUEST_SUSPEND, 'prepare'], SLEEP_TIMEOUTS.prepare);
  if (r.exitCode !== 0 || !r.stdout.includes('ready')) {
    throw new GuestBusyError(r.stdout.trim().replace(/^busy /, '') || `exit code ${r.exitCode}`);
  }
}

/** After a resumed start: mounts the share again (a failure is logged, not fatal). */
export async function resumeGuest(link: GuestLink, logger: Logger): Promise<void> {
  const r = await link.run([GUEST_SUSPEND, 'resume'], 30_000);
  if (r.exitCode !== 0) logger.warn(`after the resume, the share did not come back: ${r.stdout.trim()}`);
}

/**
 * In the background after a resume: lets the driver hand the guest's free memory back to the host
 * (see HypervisorDriver.settleAfterResume). Never rejects.
 */
export async function settleMemory(link: GuestLink, driver: HypervisorDriver, logger: Logger): Promise<void> {
  if (!driver.settleAfterResume) return;
  try {
    const r = await link.run(['grep', 'MemFree:', '/proc/meminfo'], 20_000);
    const kib = Number(/MemFree:\s+(\d+)/.exec(r.stdout)?.[1]);
    if (Number.isFinite(kib)) await driver.settleAfterResume(kib * 1024);
  } catch (e) {
    logger.warn(`returning memory after the resume: ${(e as Error).message}`);
  }
}

/**
 * Ends a prepared VM for an idle stop: saves it where the driver can (the wake continues it),
 * else (or when saving fails) shuts it down gracefully (the wake boots). The caller has closed the
 * guest link and set `boot.expectingExit`. Resolves with what the sleep is.
 */
export async function saveOrShutdown(boot: Boot, logger: Logger): Promise<SleepInfo> {
  const { driver } = boot;
  const since = new Date().toISOString();
  if (driver.info.features.suspend && driver.suspend) {
    try {
      const r = await driver.suspend(SLEEP_TIMEOUTS.save);
      logger.info(`VM saved in ${r.tookMs} ms (${(r.stateBytes / 2 ** 20).toFixed(1)} MiB)`);
      return { since, suspended: true, savedStateBytes: r.stateBytes };
    } catch (e) {
      logger.warn(`saving the VM failed (${(e as Error).message}); shutting it down instead`);
    }
  }
  const exit = await driver.stop({ timeoutMs: SLEEP_TIMEOUTS.shutdown });
  logger.info(`VM shut down for the idle stop (${exit?.clean ? 'clean power-off' : 'forced'})`);
  return { since, suspended: false, savedStateBytes: null };
}
