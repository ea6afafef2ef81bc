import type { Result } from '../../shared/errors.js';
import { err, ok } from '../../shared/errors.js';
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

/**
 * The first half of an idle stop, while the VM still runs: waits for a memory settle under way,
 * then {@link prepareGuest}. A refusal is the `vm-busy` error (logged); the VM runs on.
 */
export async function readyForSleep(boot: Boot, link: GuestLink, logger: Logger): Promise<Result<void>> {
  await boot.settling;
  try {
    await prepareGuest(link);
    return ok(undefined);
  } catch (e) {
    const why = e instanceof GuestBusyError ? e.message : String(e);
    logger.warn(`not sleeping: ${why}`);
    return err('vm-busy', `The VM cannot sleep now: ${why}`);
  }
}

/**
 * The second half, once the state is `stopping`: closes the guest link, then {@link saveOrShutdown},
 * and releases the disk whatever happens. Resolves with what the sleep is.
 */
export async function endForSleep(boot: Boot, link: GuestLink, logger: Logger): Promise<SleepInfo> {
  boot.expectingExit = true;
  boot.health?.stop();
  try {
    await link.close().catch((e: unknown) => logger.warn(`closing the guest link: ${String(e)}`));
    return await saveOrShutdown(boot, logger);
  } finally {
    await boot.lock?.release();
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
      const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
      const raw = r.uncompressed ? `, ${r.uncompressed.codec} of ${mib(r.uncompressed.bytes)}` : '';
      logger.info(`VM saved in ${r.tookMs} ms (${mib(r.stateBytes)} on disk${raw})`);
      return { since, suspended: true, savedStateBytes: r.stateBytes };
    } catch (e) {
      logger.warn(`saving the VM failed (${(e as Error).message}); shutting it down instead`);
    }
  }
  const exit = await driver.stop({ timeoutMs: SLEEP_TIMEOUTS.shutdown });
  logger.info(`VM shut down for the idle stop (${exit?.clean ? 'clean power-off' : 'forced'})`);
  return { since, suspended: false, savedStateBytes: null };
}

/**
 * The sleep a VM saved by an earlier host is in (a host starting while it waits); null when
 * `driver` holds no saved VM. Never rejects.
 */
export async function savedSleep(driver: HypervisorDriver): Promise<SleepInfo | null> {
  const bytes = await driver.savedStateBytes?.().catch(() => null);
  if (bytes === null || bytes === undefined) return null;
  return { since: new Date().toISOString(), suspended: true, savedStateBytes: bytes };
}

/** A stop while sleeping: the next start boots (the guest synced its disk before it was saved). Never rejects. */
export async function dropSavedVm(driver: HypervisorDriver, logger: Logger): Promise<void> {
  await driver
    .discardSavedState?.('the VM was stopped while it slept')
    .catch((e: unknown) => logger.warn(`removing the saved VM: ${String(e)}`));
}
