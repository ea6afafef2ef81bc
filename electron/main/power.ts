import type { DliteApi } from '../shared/api.js';

/** The slice of Electron's `powerMonitor` this module needs. */
export interface PowerEvents {
  on(event: 'resume' | 'unlock-screen', listener: () => void): unknown;
  removeListener(event: 'resume' | 'unlock-screen', listener: () => void): unknown;
}

/**
 * Sets the guest clock from the host's when the Mac wakes up: a VM's clock drifts while the host
 * sleeps (the original dlite's most-reported bug). Only a running VM is touched. Returns a cleanup.
 */
export function registerPowerHandlers(
  power: PowerEvents,
  api: Pick<DliteApi, 'status' | 'syncClock'>,
  log: (line: string) => void,
): () => void {
  const onWake = (): void => {
    void api.status().then(async (status) => {
      if (!status.ok || status.value.state !== 'running') return;
      const r = await api.syncClock();
      log(r.ok ? 'wake: VM clock synced' : `wake: could not sync the VM clock: ${r.error.message}`);
    });
  };
  power.on('resume', onWake);
  power.on('unlock-screen', onWake);
  return () => {
    power.removeListener('resume', onWake);
    power.removeListener('unlock-screen', onWake);
  };
}
