import type {
  DockerTransport,
  ResourceFigures,
  Settings,
  SettingsKey,
  SettingsProblem,
  VmState,
} from '../../shared/types.js';
import type { HypervisorDriver, SshEndpoint, VmConfig } from '../drivers/driver.js';
import type { IntegrationOutcome } from '../integration/host-integration.js';
import type { PrivilegedQuestions } from '../integration/questions.js';
import type { Logger } from '../log/logger.js';
import type { DlitePaths } from '../paths.js';
import type { SettingsChanges } from '../settings/diff.js';
import type { EngineHealthTiming } from './engine-health.js';

/** The host's session with one booted guest: docker socket, configuration, clock, ports. */
export interface GuestLink {
  /** Waits until SSH logs in with our key (host key pinned on first contact). */
  waitSsh(timeoutMs: number, signal: AbortSignal): Promise<void>;
  /** Serves docker.sock on the host: over the VM's Docker port when it has one, else over SSH. */
  forwardDocker(signal: AbortSignal): Promise<void>;
  /** Waits until Docker answers `/_ping` through the host socket. */
  waitDocker(timeoutMs: number, signal: AbortSignal): Promise<void>;
  /** How docker.sock reaches the engine now; null until {@link forwardDocker} succeeded. */
  transport(): DockerTransport | null;
  /** One `GET /_ping` through docker.sock: true when the engine answered `OK` within `timeoutMs`. */
  pingEngine(timeoutMs: number): Promise<boolean>;
  /** Registry mirrors / daemon config, clock, docker context, published-port forwarding. */
  configure(settings: Settings, signal: AbortSignal): Promise<void>;
  /** Applies settings that can change without a restart (registry mirrors). */
  applyLive(settings: Settings, keys: readonly SettingsKey[]): Promise<void>;
  syncClock(): Promise<void>;
  /** Stops forwards and closes SSH connections. Idempotent. */
  close(): Promise<void>;
  /** Runs `argv` in the guest as root through the guest executor; resolves whatever its exit code. */
  run(argv: readonly string[], timeoutMs?: number): Promise<{ stdout: string; exitCode: number }>;
  /** Containers running now (`GET /containers/json`). */
  runningContainers(): Promise<number>;
}

/** What host integration knows about the boot it works for. */
export interface IntegrationContext {
  readonly settings: Settings;
  readonly driver: HypervisorDriver;
  readonly cfg: VmConfig;
  /** The VM's address, once known (phase `address`). */
  readonly address: string | null;
}

/**
 * Host integration (the hosts line, the NFS export, the docker.sock link, a hypervisor's root
 * set-up): privileged, batched, explained once. `before-boot` does what is known before the VM
 * runs; `address` follows up once the VM's address is known (vmnet), and is a no-op otherwise.
 */
export interface HostIntegrationPort {
  readonly questions: PrivilegedQuestions;
  integrate(
    phase: 'before-boot' | 'address',
    ctx: IntegrationContext,
    signal: AbortSignal,
  ): Promise<IntegrationOutcome>;
}

export interface DiskLock {
  release(): Promise<void>;
}

/** Everything the supervisor needs from the outside, injected so each piece is testable. */
export interface SupervisorDeps {
  readonly paths: DlitePaths;
  readonly logger: Logger;
  /**
   * The settings a start uses, with their problems; rejects when the file is not usable. Writes
   * the defaults when there is no file yet, so the generated uuid is kept.
   */
  loadSettings(): Promise<{ settings: Settings; problems: readonly SettingsProblem[] }>;
  /** The stored settings as they are (defaults when there is no file); rejects when the file is not usable. */
  readSettings(): Promise<Settings>;
  /** What is wrong with the stored settings now, the file itself included; never rejects. */
  settingsProblems(): Promise<SettingsProblem[]>;
  /** Validates and saves a patch; answers the saved settings and what changed (`classifyChanges`). */
  updateSettings(patch: unknown): Promise<{ settings: Settings; changes: SettingsChanges }>;
  createDriver(settings: Settings): HypervisorDriver;
  /** Ensures disk, SSH key and OS image; builds the VM config (kernel command line included). */
  prepare(settings: Settings, driver: HypervisorDriver, signal: AbortSignal): Promise<VmConfig>;
  /** One VM per disk. Rejects with a `disk-locked` error naming the holder. */
  lockDisk(): Promise<DiskLock>;
  connectGuest(endpoint: SshEndpoint, settings: Settings, driver: HypervisorDriver): GuestLink;
  /** Last `n` lines of the guest console. */
  consoleTail(n: number): Promise<string[]>;
  /** Pid of a hypervisor left running by an earlier supervisor, if any. */
  orphanPid(): Promise<number | null>;
  /** How the engine's health is checked while running (default ENGINE_HEALTH). */
  readonly engineHealth?: EngineHealthTiming;
  /** Absent: the host's system files are never touched (tests; `DLITE_HOST_INTEGRATION=off`). */
  readonly hostIntegration?: HostIntegrationPort;
  /** Opens a terminal with an SSH shell (platform specific). */
  openTerminal?(endpoint: SshEndpoint): Promise<void>;
  /** The daemon's docker.sock: follows the VM state, and asks for a wake when a client waits. */
  readonly frontDoor?: FrontDoor;
  /** Host-side resource figures shown in the status. */
  readonly resources?: { latest(): ResourceFigures | null };
}

/** See `idle/socket-gate.ts`. */
export interface FrontDoor {
  follow(state: VmState): Promise<void>;
  /** The engine answers before the start is over (a resumed VM): waiting clients may go through. */
  engineReady(): Promise<void>;
  onDemand(listener: () => void): void;
  /** Clients waiting for the VM. */
  readonly waiting: number;
}
