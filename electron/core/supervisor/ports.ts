import type { ResourceFigures, Settings, SettingsKey, VmState } from '../../shared/types.js';
import type { HypervisorDriver, SshEndpoint, VmConfig } from '../drivers/driver.js';
import type { Logger } from '../log/logger.js';
import type { DlitePaths } from '../paths.js';

/** The host's session with one booted guest: docker socket, configuration, clock, ports. */
export interface GuestLink {
  /** Waits until SSH logs in with our key (host key pinned on first contact). */
  waitSsh(timeoutMs: number, signal: AbortSignal): Promise<void>;
  /** Serves docker.sock on the host: over the VM's Docker port when it has one, else over SSH. */
  forwardDocker(signal: AbortSignal): Promise<void>;
  /** Waits until Docker answers `/_ping` through the host socket. */
  waitDocker(timeoutMs: number, signal: AbortSignal): Promise<void>;
  /** Registry mirrors / daemon config, clock, docker context, published-port forwarding. */
  configure(settings: Settings, signal: AbortSignal): Promise<void>;
  /** Applies settings that can change without a restart (registry mirrors). */
  applyLive(settings: Settings, keys: readonly SettingsKey[]): Promise<void>;
  syncClock(): Promise<void>;
  /** Stops forwards and closes SSH connections. Idempotent. */
  close(): Promise<void>;
  /** Runs a shell command line in the guest as `docker` (sudo allowed); resolves whatever its exit code. */
  run(command: string, timeoutMs?: number): Promise<{ stdout: string; exitCode: number }>;
  /** Containers running now (`GET /containers/json`). */
  runningContainers(): Promise<number>;
}

export interface DiskLock {
  release(): Promise<void>;
}

/** Everything the supervisor needs from the outside, injected so each piece is testable. */
export interface SupervisorDeps {
  readonly paths: DlitePaths;
  readonly logger: Logger;
  loadSettings(): Promise<Settings>;
  updateSettings(
    patch: unknown,
  ): Promise<{ settings: Settings; restartRequired: SettingsKey[]; live: SettingsKey[] }>;
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
