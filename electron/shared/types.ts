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

/** How the host's docker.sock reaches the engine: the VM's Docker port (virtio-serial or vsock), or an SSH forward. */
export type DockerTransport = 'virtio-serial' | 'vsock' | 'ssh';

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
  /** How docker.sock reaches the engine while running; null otherwise. */
  readonly dockerTransport: DockerTransport | null;
  /**
   * ISO time since which the engine has not answered `/_ping` (checked while running, reported
   * after about 30 s); null while it answers or the VM is not running.
   */
  readonly engineUnresponsiveSince: string | null;
  /** What is wrong with the settings (see {@link SettingsProblem}); `start` refuses `error`s. */
  readonly problems: readonly SettingsProblem[];
  /** Pid of the `dlite daemon` hosting the VM; null when none runs (the status was read from files). */
  readonly hostPid: number | null;
  /** The guest OS versions (DhyveOS). */
  readonly os: OsVersions;
  /** System-file changes waiting for the user's answer, and what does not work without them. */
  readonly hostIntegration: HostIntegrationDto;
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

/** One change to a system file, as the explanation shows it. */
export interface PrivilegedChangeDto {
  /** The file (or link) that changes, e.g. `/etc/hosts`. */
  readonly file: string;
  /** What changes, e.g. `add "192.168.64.3 local.docker"`. */
  readonly action: string;
  /** Why, in plain words. */
  readonly why: string;
}

/**
 * A batch of system-file changes a start needs, explained once. Pushed in {@link VmStatus} (the
 * app shows it in a small window, the CLI prints it); answered with `answerPrivileged`. When nobody
 * answers by `expiresAt`, the start goes on as if the answer were `not-now`.
 */
export interface PrivilegedRequestDto {
  readonly id: string;
  /** One line, e.g. "Dlite needs your password to change 2 system files". */
  readonly title: string;
  readonly changes: readonly PrivilegedChangeDto[];
  /** What will not work if the user says no, one line each. */
  readonly ifDeclined: readonly string[];
  /** ISO 8601 */
  readonly expiresAt: string;
}

export const PRIVILEGED_ANSWERS = ['continue', 'not-now', 'never'] as const;
/** `continue`: ask for the password now; `not-now`: skip this start; `never`: skip and stop asking. */
export type PrivilegedAnswer = (typeof PRIVILEGED_ANSWERS)[number];

export interface PrivilegedAnswerDto {
  /** The {@link PrivilegedRequestDto.id} answered. */
  readonly id: string;
  readonly answer: PrivilegedAnswer;
}

/** A feature that does not work because a system-file change was not made (or failed). */
export interface DegradedFeatureDto {
  readonly feature: 'hostname' | 'share' | 'docker-socket-link' | 'hypervisor-setup';
  /** One line: what does not work and what to use instead. */
  readonly message: string;
}

export interface HostIntegrationDto {
  readonly pending: PrivilegedRequestDto | null;
  readonly degraded: readonly DegradedFeatureDto[];
}

export interface OsVersions {
  /** The version the VM booted; null unless it is starting or running. */
  readonly running: string | null;
  /** The active version, which the next start boots; null when none is installed. */
  readonly active: string | null;
}

/** Bytes moved so far by a download, over all of its files. */
export interface TransferDto {
  /** The file being transferred now. */
  readonly file: string;
  readonly bytes: number;
  readonly totalBytes: number;
  /** Recent average, bytes per second. */
  readonly bytesPerSecond: number;
  /** Seconds left at the recent rate; null until a rate is known. */
  readonly etaSeconds: number | null;
}

/** One step of a long operation (start, install, OS update). */
export interface ProgressDto {
  readonly operation: 'start' | 'stop' | 'install' | 'restart' | 'update';
  /** Machine name of the step, e.g. `boot`, `wait-ssh`. */
  readonly step: string;
  /** Human description of the step. */
  readonly description: string;
  readonly current: number;
  readonly max: number;
  /** Present while a step downloads (`download`); sent at most every 250 ms. */
  readonly transfer?: TransferDto;
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
  /** URL of the DhyveOS release index (build/os/README.md, "Release index"). */
  readonly os_channel_url: string;
  /** `latest`, or the DhyveOS version updates install (pinned). */
  readonly os_version: string;
  /** Link `/var/run/docker.sock` to this home's docker.sock (for tools that ignore contexts). */
  readonly docker_socket_link: boolean;
  /**
   * `ask`: explain and ask once per start before changing system files (hosts, exports, the
   * docker.sock link, xhyve's root set-up); `never`: make no such change and say what does not work.
   */
  readonly privileged_changes: PrivilegedChangesSetting;
  /** Absolute path of the xhyve binary; '' looks it up (app bundle, PATH, Homebrew). */
  readonly xhyve_binary: string;
  /** Absolute path of the vfkit binary; '' looks it up (app bundle, PATH, Homebrew). */
  readonly vfkit_binary: string;
  /**
   * Minutes without a running container, a docker.sock client or an SSH session after which the VM
   * sleeps (suspended where the hypervisor can save it, else shut down) until docker.sock is used
   * again; 0 = never.
   */
  readonly idle_stop_minutes: number;
  /**
   * Restart the VM, with nothing running in it, when its footprint on the host is far above its
   * idle level and the hypervisor cannot return freed memory (xhyve, vfkit). Off by default: the
   * restart costs a boot and the guest's caches.
   */
  readonly restart_to_free_memory: boolean;
}

export const PRIVILEGED_CHANGES = ['ask', 'never'] as const;
export type PrivilegedChangesSetting = (typeof PRIVILEGED_CHANGES)[number];

export type SettingsKey = Exclude<keyof Settings, 'schema_version' | 'uuid'>;

/**
 * Something wrong with the stored settings that does not make the file unusable: a valid value
 * that does not fit this machine (more memory than it has, a share that is not mounted, a
 * hypervisor that is not installed), or a key this Dlite does not know (kept as it is).
 */
export interface SettingsProblem {
  /** The settings key, or `settings` for the file as a whole. */
  readonly field: string;
  /** One line starting with the field name. */
  readonly message: string;
  /** `error`: `start` refuses until it is fixed; `warning`: shown, nothing refused. */
  readonly severity: 'error' | 'warning';
}
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

/** What `checkForUpdate` found: the release channel against the installed DhyveOS versions. */
export interface UpdateInfo {
  /** The active version (what the next start boots); null when none is installed. */
  readonly currentVersion: string | null;
  /** The version kept for rollback; null when there is none. */
  readonly previousVersion: string | null;
  /** The version the running VM booted; null unless it runs. */
  readonly runningVersion: string | null;
  /**
   * The version `applyUpdate({})` would install: the pinned `os_version`, or the newest release for
   * this machine's architecture that this Dlite supports; null when the channel has none.
   */
  readonly latestVersion: string | null;
  /** True when `latestVersion` differs from `currentVersion` (and, when not pinned, is newer). */
  readonly available: boolean;
  readonly channelUrl: string;
  /** Newer releases this Dlite is too old for, e.g. `0.3.0 needs Dlite 0.2.0 or newer`. */
  readonly skipped: readonly string[];
}

export interface UpdateRequest {
  /** A version to install; absent: the `os_version` setting (`latest` or pinned). */
  readonly version?: string;
}

/** The outcome of `applyUpdate` and `rollbackUpdate`. */
export interface UpdateResult {
  /** The active version now. */
  readonly version: string;
  /** The version kept for rollback; null when there is none. */
  readonly previousVersion: string | null;
  /** `installed`: downloaded and switched to; `switched`: was on disk already; `unchanged`: already active. */
  readonly status: 'installed' | 'switched' | 'unchanged';
  /** The version the running VM keeps until it restarts; null when no VM runs or it already runs `version`. */
  readonly restartPending: string | null;
}

/** Whether one hypervisor can run on this host, and why not. */
export interface HypervisorChoice {
  readonly name: HypervisorName;
  readonly available: boolean;
  /** Why it cannot be used here, in words; null when available. */
  readonly reason: string | null;
}

/** Facts about the host that the settings form and the setup flow need. */
export interface HostInfo {
  readonly platform: string;
  readonly arch: string;
  /** Logical CPU cores: the most `cpu_count` may be. */
  readonly cpus: number;
  /** Physical memory, GiB (rounded). */
  readonly memoryGiB: number;
  /** The most `memory` may be, GiB (host memory minus 1 GiB). */
  readonly maxMemoryGiB: number;
  /** Size of the existing disk image, GiB rounded up; null before the first start. `disk_size` can only grow. */
  readonly diskGiB: number | null;
  /** The largest `disk_size` accepted, GiB. */
  readonly maxDiskGiB: number;
  /** Every hypervisor Dlite knows, with its availability here. */
  readonly hypervisors: readonly HypervisorChoice[];
  /** The driver `auto` picks on this host. */
  readonly autoHypervisor: HypervisorName;
  /** True once the Dlite home has its settings (`dlite install`, the setup flow or a first start). */
  readonly installed: boolean;
  /** The Dlite home, e.g. `/Users/me/.dlite`. */
  readonly home: string;
  /** Where `dlite.log` and `console.log` are kept. */
  readonly logDir: string;
}

/** One invalid field of a settings change; `index` names the item of a list field (0-based). */
export interface FieldProblem {
  readonly field: string;
  /** Starts with the field name and states the allowed values. */
  readonly message: string;
  readonly index?: number;
}

/** What a settings change would do, checked without saving it. */
export interface SettingsCheck {
  /** Empty when the change may be applied. */
  readonly errors: readonly FieldProblem[];
  /** Changed keys that take effect only after a VM restart. */
  readonly restartRequired: readonly SettingsKey[];
  /** Changed keys a running VM takes live. */
  readonly live: readonly SettingsKey[];
}
