import type { SshClient } from '../ssh/ssh-client.js';
import { tail } from '../ssh/ssh-error.js';

import { DockerError } from '../docker-api/docker-error.js';

export interface ClockSync {
  /** Guest clock minus host clock before the sync, ms (positive: the guest is ahead). */
  readonly offsetBeforeMs: number;
  /** The same, measured after the sync. */
  readonly offsetAfterMs: number;
}

/**
 * Guest minus host clock in ms, measured against the midpoint of the SSH round trip; the error is
 * at most half the round trip.
 */
export async function measureGuestOffset(ssh: SshClient, signal?: AbortSignal): Promise<number> {
  return (await measure(ssh, signal)).offsetMs;
}

async function measure(ssh: SshClient, signal?: AbortSignal): Promise<{ offsetMs: number; rttMs: number }> {
  const sent = Date.now();
  const r = await ssh.exec(['date', '+%s.%N'], { timeoutMs: 20_000, signal });
  const received = Date.now();
  const guestSeconds = Number(r.stdout.trim());
  if (r.exitCode !== 0 || !Number.isFinite(guestSeconds)) {
    throw new DockerError(
      'ssh-failed',
      `Reading the VM's clock failed: ${tail(r.stderr, 1) || r.stdout.trim()}`,
    );
  }
  return { offsetMs: Math.round(guestSeconds * 1000 - (sent + received) / 2), rttMs: received - sent };
}

/**
 * Sets the guest clock to the host's (UTC, within half an SSH round trip; `hwclock -w` too when the guest has it,
 * its failure ignored) and returns the offset before and after. Run after boot and after the
 * host wakes from sleep. Idempotent.
 */
export async function syncGuestClock(ssh: SshClient, signal?: AbortSignal): Promise<ClockSync> {
  const before = await measure(ssh, signal);
  // The guest applies the correction to its own clock when the command runs, so the time ssh and
  // sudo take to start does not count; the error is that of the measurement (half a round trip).
  const correctionNs = BigInt(-before.offsetMs) * 1_000_000n;
  const script =
    `ns=$(( $(date +%s%N) + (${correctionNs}) )) && ` +
    `date -u -s "@$(( ns / 1000000000 )).$(printf %09d $(( ns % 1000000000 )))" >/dev/null && ` +
    '{ if command -v hwclock >/dev/null 2>&1; then hwclock -w >/dev/null 2>&1 || true; fi; }';
  const r = await ssh.exec(['sudo', 'sh', '-c', script], { timeoutMs: 20_000, signal });
  if (r.exitCode !== 0) {
    throw new DockerError(
      'ssh-failed',
      `Setting the VM's clock failed: ${tail(r.stderr, 1) || `exit ${r.exitCode}`}`,
    );
  }
  return { offsetBeforeMs: before.offsetMs, offsetAfterMs: await measureGuestOffset(ssh, signal) };
}
