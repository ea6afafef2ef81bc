import type { HypervisorDriver } from '../drivers/driver.js';
import type { Logger } from '../log/logger.js';
import { GUEST_IDLE_SETTLE_COMMAND, GUEST_SETTLE_COMMAND } from '../resources/figures.js';
import type { GuestLink } from './ports.js';

/** When memory is handed back: right after a resume (light), or once a used VM has gone quiet. */
export type SettleWhen = 'after the resume' | 'once idle';

/**
 * After a resume, and once a VM used since the last settle has gone quiet (IdleController): the
 * guest drops its clean page cache and compacts its free memory (GUEST_SETTLE_COMMAND; once idle,
 * GUEST_IDLE_SETTLE_COMMAND, which also reclaims mapped file pages), then the driver hands the
 * guest's free memory back to the host where it is still resident (HypervisorDriver.returnFreeMemory).
 * A failure is logged; never rejects.
 */
export async function settleMemory(
  link: GuestLink,
  driver: HypervisorDriver,
  logger: Logger,
  when: SettleWhen,
): Promise<void> {
  try {
    const r = await link.run(when === 'once idle' ? GUEST_IDLE_SETTLE_COMMAND : GUEST_SETTLE_COMMAND, 60_000);
    if (r.exitCode === 0) logger.info("dropped the guest's clean page cache and compacted its memory");
    else logger.warn(`dropping the guest's page cache: ${r.stdout.trim()}`);
    if (!driver.returnFreeMemory) return;
    const free = await link.run(['grep', 'MemFree:', '/proc/meminfo'], 20_000);
    const kib = Number(/MemFree:\s+(\d+)/.exec(free.stdout)?.[1]);
    if (!Number.isFinite(kib)) throw new Error(`no MemFree in ${JSON.stringify(free.stdout.trim())}`);
    const started = Date.now();
    const given = await driver.returnFreeMemory(kib * 1024);
    logger.info(
      `gave ${Math.round(given / 2 ** 20)} MiB of free guest memory back ${when} in ${Date.now() - started} ms`,
    );
  } catch (e) {
    logger.warn(`returning memory ${when}: ${(e as Error).message}`);
  }
}
