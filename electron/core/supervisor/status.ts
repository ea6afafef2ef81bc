import type { FailureDetails, Settings, VmState, VmStatus } from '../../shared/types.js';
import type { HypervisorDriver, RunningVm, SshEndpoint } from '../drivers/driver.js';
import { GUEST_USER, hostKeyAlias } from '../ssh/ssh-args.js';
import type { DiskLock, GuestLink } from './ports.js';

/** The VM of one boot and what hangs off it. */
export interface Boot {
  readonly driver: HypervisorDriver;
  readonly settings: Settings;
  lock: DiskLock | null;
  vm: RunningVm | null;
  endpoint: SshEndpoint | null;
  link: GuestLink | null;
  startedAt: number | null;
  /** Set before we stop the VM ourselves, so its exit is not mistaken for a crash. */
  expectingExit: boolean;
  /** Aborted when the VM process dies during the boot. */
  readonly crashed: AbortController;
  /** Memory handed back after a resume, in the background; a sleep waits for it. */
  settling?: Promise<void>;
}

/** The status DTO of the supervisor's current state (pure). */
export function describeVm(
  state: VmState,
  failure: FailureDetails | null,
  boot: Boot | null,
  settings: Settings | null,
  dockerSocket: string,
): VmStatus {
  const s = boot?.settings ?? settings;
  const running = state === 'running' && boot !== null;
  const endpoint = running ? boot.endpoint : null;
  return {
    state,
    ip: endpoint?.host ?? null,
    hostname: s?.hostname ?? 'local.docker',
    dockerEndpoint: running ? `unix://${dockerSocket}` : null,
    cpus: s?.cpu_count ?? 0,
    memoryGiB: s?.memory ?? 0,
    diskGiB: s?.disk_size ?? 0,
    hypervisor: boot?.driver.info.name ?? null,
    uptimeSeconds:
      running && boot.startedAt !== null ? Math.floor((Date.now() - boot.startedAt) / 1000) : null,
    ssh:
      running && boot.endpoint
        ? {
            host: boot.endpoint.host,
            port: boot.endpoint.port,
            user: GUEST_USER,
            hostKeyAlias: hostKeyAlias(boot.settings.uuid),
          }
        : null,
    failure: state === 'error' ? failure : null,
    hostPid: process.pid,
  };
}
