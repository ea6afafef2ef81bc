import type { Result } from './errors.js';
import type {
  DiskReclaim,
  LogLine,
  LogsRequest,
  ProgressDto,
  Settings,
  SettingsPatch,
  SettingsUpdate,
  UpdateInfo,
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
  /** Puts a running VM to sleep now, as an idle stop does; docker.sock wakes it. */
  sleep: () => Promise<Result<VmStatus>>;
  /** Trims the guest's disk so `disk.img` gives the freed space back to the host. */
  reclaimDisk: () => Promise<Result<DiskReclaim>>;
  checkForUpdate: () => Promise<Result<UpdateInfo>>;
  applyUpdate: () => Promise<Result<void>>;
  onState: (listener: (status: VmStatus) => void) => Unsubscribe;
  onProgress: (listener: (progress: ProgressDto) => void) => Unsubscribe;
  onLog: (listener: (line: LogLine) => void) => Unsubscribe;
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
