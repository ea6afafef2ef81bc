import { DliteError } from '../dlite-error.js';
import type { GuestExecutor } from '../guest/guest-executor.js';

export interface ClockSync {
  /** Guest clock minus host clock before the sync, ms (positive: the guest is ahead). */
  readonly offsetBeforeMs: number;
  /** The same, measured after the sync. */
  readonly offsetAfterMs: number;
}

/**
 * Guest minus host clock in ms, measured against the midpoint of the round trip; the error is at
 * most half the round trip.
 */
export async function measureGuestOffset(guest: GuestExecutor, signal?: AbortSignal): Promise<number> {
  return (await measure(guest, signal)).offsetMs;
}

async function measure(
  guest: GuestExecutor,
  signal?: AbortSignal,
): Promise<{ offsetMs: number; rttMs: number }> {
  const sent = Date.now();
  const out = await guest.run("Reading the VM's clock", ['date', '+%s.%N'], {
    unprivileged: true,
    ...(signal ? { signal } : {}),
  });
  const received = Date.now();
  const guestSeconds = Number(out.trim());
  if (!Number.isFinite(guestSeconds)) {
    throw new DliteError(
      'ssh-failed',
      `Reading the VM's clock failed: 'date' printed ${JSON.stringify(out.trim())}`,
    );
  }
  return { offsetMs: Math.round(guestSeconds * 1000 - (sent + received) / 2), rttMs: received - sent };
}

/**
 * Sets the guest clock to the host's (UTC, within half a round trip; `hwclock -w` too when the
 * guest has it, its failure ignored) and returns the offset before and after. Run after boot and
 * after the host wakes from sleep. Idempotent.
 */
export async function syncGuestClock(guest: GuestExecutor, signal?: AbortSignal): Promise<ClockSync> {
  const before = await measure(guest, signal);
  // The guest applies the correction to its own clock when the command runs, so the time ssh and
  // sudo take to start does not count; the error is that of the measurement (half a round trip).
  const correctionNs = BigInt(-before.offsetMs) * 1_000_000n;
  const script =
    `ns=$(( $(date +%s%N) + (${correctionNs}) )) && ` +
    `date -u -s "@$(( ns / 1000000000 )).$(printf %09d $(( ns % 1000000000 )))" >/dev/null && ` +
    '{ if command -v hwclock >/dev/null 2>&1; then hwclock -w >/dev/null 2>&1 || true; fi; }';
  await guest.run("Setting the VM's clock", ['sh', '-c', script], signal ? { signal } : {});
  return { offsetBeforeMs: before.offsetMs, offsetAfterMs: await measureGuestOffset(guest, signal) };
}
