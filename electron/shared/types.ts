/** DTOs of the Dlite API. Plain data only: they cross IPC and the control socket as JSON. */

export const VM_STATES = ['stopped', 'starting', 'running', 'stopping', 'error'] as const;
export type VmState = (typeof VM_STATES)[number];

export const HYPERVISORS = ['auto', 'xhyve', 'vfkit', 'qemu'] as const;
export type HypervisorSetting = (typeof HYPERVISORS)[number];
export type HypervisorName = Exclude<HypervisorSetting, 'auto'>;

/** What went wrong when the VM entered `error`. */
export interface FailureDetails {
  /** The start/stop step that failed, e.g. `wait-docker`. */
  readonly step: string;
  /** The last external command run for that step, if any. */
  readonly lastCommand?: string;
  /** The tail of the guest's serial console. */
  readonly lastConsoleLines: readonly string[];
  readonly message: string;
}

/** The VM as the UI and the CLI see it. */
export interface VmStatus {
  readonly state: VmState;
  /** The guest's address as reachable from the host (127.0.0.1 with user-mode networking). */
  readonly ip: string | null;
  readonly hostname: string;
  /** e.g. `unix:///Users/me/.dlite/run/docker.sock`; null unless running. */
  readonly dockerEndpoint: string | null;
  readonly cpus: number;
  /** GiB */
  readonly memoryGiB: number;
  /** GiB */
  readonly diskGiB: number;
  readonly hypervisor: HypervisorName | null;
  /** Seconds since the VM reached `running`; null otherwise. */
  readonly uptimeSeconds: number | null;
  /** SSH endpoint for `dlite ssh` and the terminal. */
  readonly ssh: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    /** The name the guest's host key is pinned under in `ssh/known_hosts`. */
    readonly hostKeyAlias: string;
  } | null;
  readonly failure: FailureDetails | null;
  /** Pid of the process hosting the supervisor. */
  readonly hostPid: number;
}

/** One step of a long operation (start, install). */
export interface ProgressDto {
  readonly operation: 'start' | 'stop' | 'install' | 'restart';
  /** Machine name of the step, e.g. `boot`, `wait-ssh`. */
  readonly step: string;
  /** Human description of the step. */
  readonly description: string;
  readonly current: number;
  readonly max: number;
}

export type LogSource = 'dlite' | 'console';

export interface LogLine {
  readonly source: LogSource;
  /** ISO 8601 */
  readonly time: string;
  readonly text: string;
}

export interface LogsRequest {
  readonly source: LogSource;
  /** Last N lines (default 200). */
  readonly lines?: number;
}

/** The user's settings, as stored in `~/.dlite/config.json` (seed-compatible keys). */
export interface Settings {
  readonly schema_version: number;
  readonly uuid: string;
  readonly cpu_count: number;
  /** GiB */
  readonly memory: number;
  readonly hostname: string;
  /** Absolute host directory shared into the VM at the same path. */
  readonly share: string;
  /** GiB */
  readonly disk_size: number;
  readonly hypervisor: HypervisorSetting;
  readonly registry_mirrors: readonly string[];
  /** Extra dockerd flags, validated against an allow-list. */
  readonly docker_args: readonly string[];
  /** Expose dockerd on TCP 2375 (unauthenticated). */
  readonly docker_tcp: boolean;
  /** DNS servers for the guest; empty means the hypervisor's default. */
  readonly dns: readonly string[];
  readonly auto_restart: boolean;
  /** Make the `dlite` docker context the current one. */
  readonly use_docker_context: boolean;
  /**
   * Minutes without a running container, a docker.sock client or an SSH session after which the VM
   * sleeps (suspended where the hypervisor can save it, else shut down) until docker.sock is used
   * again; 0 = never.
   */
  readonly idle_stop_minutes: number;
}

export type SettingsKey = Exclude<keyof Settings, 'schema_version' | 'uuid'>;
export type SettingsPatch = { -readonly [K in SettingsKey]?: Settings[K] };

export interface SettingsUpdate {
  readonly settings: Settings;
  /** Fields that changed and only take effect after a VM restart. */
  readonly restartRequired: readonly SettingsKey[];
  /** Fields that changed and were applied to the running VM. */
  readonly appliedLive: readonly SettingsKey[];
}

export interface UpdateInfo {
  readonly currentVersion: string;
  readonly latestVersion: string | null;
  readonly available: boolean;
}
