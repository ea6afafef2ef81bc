/** DTOs of the Dlite API. Plain data only: they cross IPC and the control socket as JSON. */

/**
 * `sleeping`: stopped because nothing used it (`idle_stop_minutes`), suspended to a file where the
 * hypervisor can save it; docker.sock stays open and the next client wakes the VM.
 */
export const VM_STATES = ['stopped', 'starting', 'running', 'stopping', 'sleeping', 'error'] as const;
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
  /** While `sleeping`: since when, and whether the VM was saved (wakes in seconds) or shut down. */
  readonly sleep?: SleepInfo | null;
  /** What the VM costs the host and uses inside; null when nothing was measured yet. */
  readonly resources?: ResourceFigures | null;
}

/** How the VM sleeps. */
export interface SleepInfo {
  /** ISO 8601 */
  readonly since: string;
  /** True: saved to a file, the wake continues it; false: shut down, the wake boots it. */
  readonly suspended: boolean;
  /** Allocated bytes of the saved state on the host; null when not suspended. */
  readonly savedStateBytes: number | null;
}

/**
 * The figures that tell whether Dlite costs anything. Host figures count the hypervisor and its
 * helpers (virtiofsd's private memory; guest RAM they share is counted once).
 */
export interface ResourceFigures {
  /** ISO 8601 time of the newest sample. */
  readonly sampledAt: string;
  /** The hypervisor's CPU use over the last minute (or since it started), % of one core; null when not running. */
  readonly hypervisorCpuPercent: number | null;
  /** Resident memory of the hypervisor processes on the host, bytes; null when not running. */
  readonly hypervisorRssBytes: number | null;
  /** `disk.img`: bytes allocated on the host (it is sparse) and its apparent size. */
  readonly diskAllocatedBytes: number | null;
  readonly diskSizeBytes: number | null;
  /** Inside the guest: memory in use (total − available) and total; null unless running. */
  readonly guestMemoryUsedBytes: number | null;
  readonly guestMemoryTotalBytes: number | null;
  /** Inside the guest: the data disk's used and total bytes; null unless running. */
  readonly guestDiskUsedBytes: number | null;
  readonly guestDiskTotalBytes: number | null;
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

/** What a disk reclaim gave back. */
export interface DiskReclaim {
  /** Bytes the guest's file system trimmed (free space it told the disk about). */
  readonly trimmedBytes: number;
  /** `disk.img`'s allocated bytes on the host before and after. */
  readonly allocatedBeforeBytes: number;
  readonly allocatedAfterBytes: number;
}

export interface UpdateInfo {
  readonly currentVersion: string;
  readonly latestVersion: string | null;
  readonly available: boolean;
}
