import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import { DriverError } from '../driver.js';
import { describeQuery, findLease, parseLeases, type Lease, type LeaseQuery } from './leases.js';

export interface LeaseWait {
  readonly leaseFile: string;
  readonly query: LeaseQuery;
  /** Give up after this long (REFERENCE.md: poll each second for up to 30 s). */
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly signal: AbortSignal;
  /** Checked between polls; a reason ends the wait (e.g. the hypervisor exited). */
  readonly giveUp?: () => Promise<string | null>;
  /** Leases that were already there before this boot: a match must be newer (or a different IP). */
  readonly notBefore?: number;
}

/**
 * Polls the DHCP lease file until a lease matches, newest first. A missing or unreadable file is
 * no lease yet, not an error, until the timeout; the timeout error says what was searched, where,
 * and what the file held.
 */
export async function waitForLease(w: LeaseWait): Promise<Lease> {
  const deadline = Date.now() + w.timeoutMs;
  let seen = '';
  for (;;) {
    if (w.signal.aborted) throw new DriverError('cancelled', 'waiting for the VM address was cancelled');
    try {
      const leases = parseLeases(await readFile(w.leaseFile, 'utf8'));
      seen = `${leases.length} lease${leases.length === 1 ? '' : 's'} in it`;
      const lease = findLease(leases, w.query);
      if (lease && (w.notBefore === undefined || lease.expires > w.notBefore)) return lease;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      seen = code === 'ENOENT' ? 'the file does not exist' : `it could not be read: ${(e as Error).message}`;
    }
    const reason = await w.giveUp?.();
    if (reason) throw new DriverError('driver-failed', reason);
    if (Date.now() >= deadline) {
      throw new DriverError(
        'timeout',
        `Failed to find the VM's IP in ${Math.round(w.timeoutMs / 1000)} s: no lease for ${describeQuery(w.query)} in ${w.leaseFile} (${seen})`,
      );
    }
    await sleep(Math.min(w.pollMs, Math.max(0, deadline - Date.now())));
  }
}
