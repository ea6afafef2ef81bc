/**
 * The one owner of a Dlite home. The `dlite daemon` is its only host: {@link hostSupervisor} runs
 * in it; the CLI and the menu-bar app are clients through {@link connectHost}, which starts the
 * daemon when none runs. Without a daemon, {@link readOffline} answers status, settings and logs
 * from the home's files, read-only.
 */
export {
  connectHost,
  daemonOutput,
  DAEMON_START_TIMEOUT_MS,
  type ConnectHostOptions,
  type HostClient,
} from './connect-host.js';
export { HostBusyError, readHostRecord, type HostRecord } from './host-lock.js';
export {
  HOME_ENTRIES,
  hostSupervisor,
  IDLE_EXIT_MS,
  type HostedSupervisor,
  type HostSupervisorOptions,
} from './host-supervisor.js';
export { readOffline, type OfflineHome } from './offline.js';
