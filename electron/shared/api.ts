import type { AppInfo, AppPrefsPatch, AppWindow, FolderRequest, ServiceStatus } from './app-types.js';
import type { Result } from './errors.js';
import type {
  HostInfo,
  DiskReclaim,
  LogLine,
  LogsRequest,
  PrivilegedAnswerDto,
  ProgressDto,
  Settings,
  SettingsCheck,
  SettingsPatch,
  SettingsUpdate,
  UpdateInfo,
  UpdateRequest,
  UpdateResult,
  VmStatus,
} from './types.js';

export type Unsubscribe = () => void;

/**
 * The one interface the UI and the CLI use. Two transports implement it:
 * Electron IPC (preload ↔ main) and the control socket (CLI; renderer in a plain browser).
 * Every call resolves (never rejects) with a {@link Result}. Members are properties, not methods:
 * implementations are plain records of functions that may be passed around unbound.
 */
export interface DliteApi {
  status: () => Promise<Result<VmStatus>>;
  /** Resolves once Docker answers `/_ping`, or with the step that failed. Concurrent calls share one boot. */
  start: () => Promise<Result<VmStatus>>;
  /** Graceful power-off with a timeout, then force. Idempotent. */
  stop: () => Promise<Result<VmStatus>>;
  restart: () => Promise<Result<VmStatus>>;
  getSettings: () => Promise<Result<Settings>>;
  /** Validates; answers which fields need a restart and which were applied live. */
  updateSettings: (patch: SettingsPatch) => Promise<Result<SettingsUpdate>>;
  logs: (request: LogsRequest) => Promise<Result<LogLine[]>>;
  /** Opens a terminal with an SSH shell into the VM. */
  openTerminal: () => Promise<Result<void>>;
  /** Sets the guest clock from the host's. */
  syncClock: () => Promise<Result<void>>;
  /**
   * Answers the pending {@link PrivilegedRequestDto} (in `status().hostIntegration.pending`).
   * `continue` asks for the password in one elevation; the start goes on either way. Answering a
   * request that is no longer pending is an `invalid-argument` error.
   */
  answerPrivileged: (answer: PrivilegedAnswerDto) => Promise<Result<void>>;
  /** Puts a running VM to sleep now, as an idle stop does; docker.sock wakes it. */
  sleep: () => Promise<Result<VmStatus>>;
  /** Trims the guest's disk so `disk.img` gives the freed space back to the host. */
  reclaimDisk: () => Promise<Result<DiskReclaim>>;
  /** Fetches the DhyveOS release index and compares it with what is installed. Changes nothing. */
  checkForUpdate: () => Promise<Result<UpdateInfo>>;
  /**
   * Downloads, verifies and activates a DhyveOS version (progress: `onProgress`, operation
   * `update`). The running VM keeps its files; the next start boots the new version. Any failure
   * leaves the active version as it was. One at a time: a second call meanwhile answers `vm-busy`.
   */
  applyUpdate: (request: UpdateRequest) => Promise<Result<UpdateResult>>;
  /** Makes the previous DhyveOS version active again (the next start boots it). */
  rollbackUpdate: () => Promise<Result<UpdateResult>>;
  /** Host limits, the current disk size and which hypervisors can run here. */
  hostInfo: () => Promise<Result<HostInfo>>;
  /** Validates a change against the current settings without saving it; field errors are data, not a failure. */
  checkSettings: (patch: SettingsPatch) => Promise<Result<SettingsCheck>>;
  /**
   * First-run setup: settings (with `patch`), SSH key, sparse disk and OS image, reported as
   * `install` progress. Idempotent, like `dlite install`.
   */
  install: (patch: SettingsPatch) => Promise<Result<Settings>>;
  onState: (listener: (status: VmStatus) => void) => Unsubscribe;
  onProgress: (listener: (progress: ProgressDto) => void) => Unsubscribe;
  onLog: (listener: (line: LogLine) => void) => Unsubscribe;

  // The menu-bar app's own methods: served by Electron main; the daemon answers `not-supported`.
  /** A native folder picker; null when cancelled. */
  pickFolder: (request: FolderRequest) => Promise<Result<string | null>>;
  getAppInfo: () => Promise<Result<AppInfo>>;
  /** Saves app preferences (launch at login is applied to the system and read back). */
  setAppPrefs: (patch: AppPrefsPatch) => Promise<Result<AppInfo>>;
  /** Shows (creating if needed) one of the app's windows. */
  showWindow: (name: AppWindow) => Promise<Result<void>>;
  /** Quits the app, asking about a running VM as the preferences say. */
  quit: () => Promise<Result<void>>;
  /** Tries again to reach or start the daemon after it failed. */
  retryService: () => Promise<Result<ServiceStatus>>;
  onService: (listener: (status: ServiceStatus) => void) => Unsubscribe;
  onAppInfo: (listener: (info: AppInfo) => void) => Unsubscribe;
}

/** Names of the request/response methods of {@link DliteApi}. */
export type InvokeMethod = {
  [K in keyof DliteApi]: DliteApi[K] extends (listener: never) => Unsubscribe ? never : K;
}[keyof DliteApi];

/** Names of the subscription methods of {@link DliteApi}. */
export type PushMethod = Exclude<keyof DliteApi, InvokeMethod>;

/** The argument of an invoke method (undefined when it takes none). */
export type InvokeRequest<M extends InvokeMethod> = Parameters<DliteApi[M]> extends [infer A] ? A : undefined;

/** The value inside the Result of an invoke method. */
export type InvokeResponse<M extends InvokeMethod> =
  Awaited<ReturnType<DliteApi[M]>> extends Result<infer T> ? T : never;

/** The payload of a push method. */
export type PushPayload<M extends PushMethod> = Parameters<Parameters<DliteApi[M]>[0]>[0];
