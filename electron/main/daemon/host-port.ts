import type { DliteApi } from '../../shared/api.js';

/** A live connection to the Dlite home's daemon. */
export interface HostConnection {
  readonly api: DliteApi;
  /** Settles, with the reason in words, once the daemon is lost (exited, socket gone). */
  readonly lost: Promise<string>;
  /** Closes the event stream and stops watching. Idempotent. */
  close(): void;
}

/**
 * How main reaches the daemon: connect to the one serving the Dlite home, or spawn the bundled
 * `dlite daemon` when none answers. The daemon is the only host of the VM; a new one adopts a VM
 * left running. One adapter implements this (`control-host.ts`).
 */
export interface HostPort {
  /** Rejects with an Error whose message says why the daemon could not be reached or started. */
  connect(): Promise<HostConnection>;
}
