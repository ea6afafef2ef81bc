import type { VmState } from '../../shared/types.js';

/**
 * The supervisor's transition table. Anything not listed is a bug and throws.
 * - `starting → stopping`: a stop cancels a boot in progress.
 * - `error → starting`: retry (user or auto-restart); `error → stopping`: clean up a broken VM.
 * - `running → stopping → sleeping`: an idle stop; `sleeping → starting`: the wake (a docker.sock
 *   client or a start); `sleeping → stopped`: a stop drops the saved VM; `stopped → sleeping`: a
 *   host that starts while a saved VM waits.
 */
export const TRANSITIONS: Readonly<Record<VmState, readonly VmState[]>> = {
  stopped: ['starting', 'sleeping'],
  starting: ['running', 'stopping', 'error'],
  running: ['stopping', 'error'],
  stopping: ['stopped', 'sleeping', 'error'],
  sleeping: ['starting', 'stopped'],
  error: ['starting', 'stopping', 'stopped'],
};

export function canTransition(from: VmState, to: VmState): boolean {
  return TRANSITIONS[from].includes(to);
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: VmState,
    readonly to: VmState,
  ) {
    super(`Illegal VM state transition ${from} → ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

/** Throws {@link IllegalTransitionError} unless `from → to` is in {@link TRANSITIONS}. */
export function assertTransition(from: VmState, to: VmState): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

/** The named steps of a start, in order; the UI shows `description` with `index+1 / length`. */
export const START_STEPS = [
  { step: 'validate', description: 'Checking settings and hypervisor' },
  { step: 'prepare', description: 'Preparing disk, SSH key and OS image' },
  { step: 'host-integration', description: 'Checking /etc/hosts and other system files' },
  { step: 'boot', description: 'Booting the VM' },
  { step: 'wait-ssh', description: 'Waiting for SSH' },
  { step: 'forward-docker', description: 'Forwarding the Docker socket' },
  { step: 'wait-docker', description: 'Waiting for Docker' },
  { step: 'configure', description: 'Applying registry mirrors, clock and ports' },
] as const;

export type StartStep = (typeof START_STEPS)[number]['step'];

/** Auto-restart policy: at most `maxTries` restarts within `windowMs`, waiting `delayMs(n)` before try n (1-based). */
export const AUTO_RESTART = {
  maxTries: 3,
  windowMs: 5 * 60_000,
  delayMs: (attempt: number): number => Math.min(1000 * 2 ** (attempt - 1), 10_000),
} as const;

/** Pure: may we auto-restart now, given the times (ms) of earlier restarts? */
export function mayAutoRestart(previousRestarts: readonly number[], now: number): boolean {
  const recent = previousRestarts.filter((t) => now - t < AUTO_RESTART.windowMs);
  return recent.length < AUTO_RESTART.maxTries;
}
