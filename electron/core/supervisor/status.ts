import type {
  DockerTransport,
  FailureDetails,
  HostIntegrationDto,
  Settings,
  SettingsProblem,
  VmState,
  VmStatus,
} from '../../shared/types.js';
import type { HypervisorDriver, RunningVm, SshEndpoint } from '../drivers/driver.js';
import { GUEST_USER, hostKeyAlias } from '../ssh/ssh-args.js';
import type { EngineWatch } from './engine-health.js';
import type { DiskLock, GuestLink } from './ports.js';

/** The VM of one boot and what hangs off it. */
export interface Boot {
  readonly driver: HypervisorDriver;
  /** The settings the VM was booted with. */
  readonly settings: Settings;
  /** The settings in effect in the VM: `settings`, plus the live changes applied since. */
  applied: Settings;
  lock: DiskLock | null;
  vm: RunningVm | null;
  endpoint: SshEndpoint | null;
  link: GuestLink | null;
  startedAt: number | null;
  health: EngineWatch | null;
  /** The DhyveOS version this boot uses; null until it is prepared. */
  osVersion: string | null;
  /** Set before we stop the VM ourselves, so its exit is not mistaken for a crash. */
  expectingExit: boolean;
  /** Aborted when the VM process dies during the boot. */
  readonly crashed: AbortController;
  /** Memory being handed back (after a resume, or once idle), in the background; a sleep waits for it. */
  settling?: Promise<void>;
  /** When the last memory settle began, ms since epoch. */
  settledAt?: number;
}

/**
 * The status DTO of the supervisor's current state (pure apart from the clock); `osActive`: the
 * version the next start boots.
 */
export function describeVm(
  state: VmState,
  failure: FailureDetails | null,
  boot: Boot | null,
  settings: Settings | null,
  dockerSocket: string,
  problems: readonly SettingsProblem[] = [],
  osActive: string | null = null,
  hostIntegration: HostIntegrationDto = { pending: null, degraded: [] },
): VmStatus {
  const s = boot?.settings ?? settings;
  const running = state === 'running' && boot !== null;
  const endpoint = running ? boot.endpoint : null;
  const transport: DockerTransport | null = running ? (boot.link?.transport() ?? null) : null;
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
    dockerTransport: transport,
    engineUnresponsiveSince: running ? (boot.health?.unresponsiveSince ?? null) : null,
    problems,
    hostPid: process.pid,
    os: { running: boot?.osVersion ?? null, active: osActive ?? boot?.osVersion ?? null },
    hostIntegration,
  };
}
