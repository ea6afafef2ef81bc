import type { HypervisorName } from '../../shared/types.js';
import { DliteError } from '../dlite-error.js';

/** Guest CPU architecture, named as Debian names it. */
export type GuestArch = 'amd64' | 'arm64';

/** Everything a driver needs to boot the VM. Built by the supervisor from settings. */
export interface VmConfig {
  readonly uuid: string;
  readonly hostname: string;
  readonly cpus: number;
  /** GiB */
  readonly memoryGiB: number;
  /** GiB; the raw disk image is created sparse at this size. */
  readonly diskGiB: number;
  readonly arch: GuestArch;
  /** Kernel (bzImage on x86, uncompressed Image on arm64), initramfs and kernel command line. */
  readonly kernelPath: string;
  readonly initrdPath: string;
  /** The DhyveOS version the kernel and initramfs belong to; absent when they are not from the OS store. */
  readonly osVersion?: string;
  readonly cmdline: string;
  /** Host folder shared into the guest at the same path; `tag` is the 9p/virtiofs mount tag. */
  readonly share: { readonly hostPath: string; readonly tag: string } | null;
  /** Expose dockerd's TCP 2375 (unauthenticated) — only when the user opted in. */
  readonly dockerTcp: boolean;
}

export type ShareType = '9p' | 'virtiofs' | 'nfs';

/** What a driver can do, as data (Lima's `features`). */
export interface DriverFeatures {
  readonly shareType: ShareType;
  /**
   * `user`: user-mode networking; the guest is reached through forwarded 127.0.0.1 ports and
   * published container ports must be forwarded one by one (see {@link HypervisorDriver.forwardPort}).
   * `vmnet`: the guest has its own IP on a host-only/shared network; ports are reachable at that IP.
   */
  readonly networkMode: 'user' | 'vmnet';
  /** The hypervisor needs root (setuid binary or sudo). */
  readonly needsRoot: boolean;
  /** Architectures this driver can boot on this host. */
  readonly arches: readonly GuestArch[];
  /**
   * The guest's Docker port (build/os/mux/PROTOCOL.md) this hypervisor offers: a virtio-serial
   * (QEMU) or vsock (vfkit) channel served on the host socket {@link HypervisorDriver.dockerPort}
   * answers, or `none` (xhyve: docker.sock is then forwarded over SSH).
   */
  readonly dockerPort: 'virtio-serial' | 'vsock' | 'none';
  /**
   * How memory the guest frees gets back to the host: `free-page-reporting` (virtio-balloon reports
   * freed pages and the hypervisor drops them), or `none` (vfkit's balloon does not return pages to
   * macOS; xhyve has no balloon): the footprint then only shrinks when the VM restarts.
   */
  readonly memoryReturn: 'free-page-reporting' | 'none';
  /**
   * The whole VM can be saved to a file and started from it ({@link HypervisorDriver.suspend}).
   * Without it an idle stop is a shutdown and the wake a cold boot.
   */
  readonly suspend: boolean;
}

/**
 * A change as root a driver needs before it can boot (xhyve: its root-owned launcher), carried out
 * by the privileged helper in the start's one explained batch. `op`/`args` are a helper operation.
 */
export interface RootSetupStep {
  readonly op: 'xhyve-install';
  readonly args: readonly string[];
  /** The files it writes, for the explanation. */
  readonly files: readonly string[];
  /** Why, in plain words. */
  readonly why: string;
}

export interface DriverInfo {
  readonly name: HypervisorName;
  readonly features: DriverFeatures;
}

/** How the VM process ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
  /** True when the guest powered off cleanly (ACPI / QMP powerdown), as far as the driver can tell. */
  readonly clean: boolean;
  /** Last lines of the hypervisor's stderr. */
  readonly stderrTail: readonly string[];
  /** One line saying what the exit means, when the driver can tell (e.g. xhyve's exit 1). */
  readonly reason?: string;
}

export interface RunningVm {
  readonly pid: number;
  /** Settles when the hypervisor process ends, for whatever reason. Never rejects. */
  readonly exited: Promise<ExitInfo>;
  /**
   * True when this start continued a saved VM (see {@link HypervisorDriver.suspend}) instead of
   * booting: the guest's processes, uptime and disk state are those of the moment it was saved.
   */
  readonly resumed?: boolean;
}

/** What a {@link HypervisorDriver.suspend} left on disk. */
export interface SuspendResult {
  /** The saved state, bytes on disk (allocated). */
  readonly stateBytes: number;
  /** The state before compression, bytes, and how it was compressed (`zstd`, `gzip`, `none`); when known. */
  readonly uncompressed?: { readonly bytes: number; readonly codec: string };
  /** Milliseconds from the request to the hypervisor's exit. */
  readonly tookMs: number;
}

/** Where SSH in the guest is reachable from the host. */
export interface SshEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface DriverStatus {
  readonly state: 'running' | 'stopped' | 'broken';
  readonly pid: number | null;
  readonly reason?: string;
}

/** A failure a driver reports, with the hypervisor command line when one failed. */
export class DriverError extends DliteError {
  override name = 'DriverError';
  constructor(
    code: 'driver-unavailable' | 'driver-failed' | 'timeout' | 'cancelled' | 'not-supported',
    message: string,
    command?: string,
  ) {
    super(code, message, command === undefined ? {} : { lastCommand: command });
  }

  /** The hypervisor command line that failed, if any. */
  get command(): string | undefined {
    return this.details.lastCommand;
  }
}

/**
 * A hypervisor driver (Lima's shape). One instance drives one VM of the Dlite home it was created
 * for (its paths are given once, to the constructor). The supervisor only talks to this interface,
 * so xhyve/vfkit/qemu are interchangeable. What a driver can do is data in `info.features`:
 * `forwardPort`/`removeForward` exist when `networkMode` is `user`, `dockerPort` when
 * `features.dockerPort` is not `none`.
 */
export interface HypervisorDriver {
  readonly info: DriverInfo;
  /** Rejects with DriverError('driver-unavailable') when this host cannot run this config (binary, accelerator, arch). */
  validate(cfg: VmConfig): Promise<void>;
  /** Creates per-VM state (sockets dir...). MUST resolve if it already exists. Does not create the disk. */
  create(cfg: VmConfig): Promise<void>;
  /** Launches the hypervisor. Resolves once the process runs; `signal` aborting kills it. */
  start(cfg: VmConfig, signal: AbortSignal): Promise<RunningVm>;
  /** Waits (up to timeoutMs) until the guest's SSH port is known and accepting TCP connections. */
  sshEndpoint(timeoutMs: number, signal: AbortSignal): Promise<SshEndpoint>;
  /** Graceful power-off (ACPI/QMP/REST), waits up to timeoutMs, then force-kills. Idempotent. */
  stop(opts: { timeoutMs: number }): Promise<ExitInfo | null>;
  /** Current state of the hypervisor process for this VM (from the pidfile if not started here). */
  inspect(): Promise<DriverStatus>;
  /**
   * Forward a host TCP port on 127.0.0.1 to a guest port (networkMode `user` only).
   * Rejects when the host port is taken.
   */
  forwardPort?(hostPort: number, guestPort: number): Promise<void>;
  removeForward?(hostPort: number): Promise<void>;
  /**
   * The host unix socket of the guest's Docker port (a virtio-serial/vsock channel the guest's
   * dlite-mux agent serves, build/os/mux/PROTOCOL.md); absent when the hypervisor has none and
   * docker.sock is forwarded over SSH.
   */
  dockerPort?(): string;
  /** Re-attach to a VM left running by a previous supervisor (pid from the pidfile). */
  adopt?(pid: number): Promise<RunningVm | null>;
  /** Let go of the VM without stopping it (closes control connections) so another supervisor can adopt it. */
  detach?(): Promise<void>;
  /** Root set-up this driver still needs before it can boot; empty when done or not needed. */
  rootSetup?(cfg: VmConfig): Promise<readonly RootSetupStep[]>;
  /**
   * Saves the whole running VM to a file and ends the hypervisor (features.suspend). The guest MUST
   * have run `suspend prepare` (share unmounted, disk synced). The next {@link start} with the same
   * configuration continues from that file (`RunningVm.resumed`); a state that no longer matches
   * the disk, the OS image, the hypervisor or the configuration is discarded and the VM boots.
   * Rejects (and leaves the VM running) when the hypervisor refuses to save.
   */
  suspend?(timeoutMs: number): Promise<SuspendResult>;
  /** Drops a saved state, if any (an explicit stop, a reset). Idempotent. */
  discardSavedState?(reason: string): Promise<void>;
  /** Bytes of a saved state on disk, or null when there is none. */
  savedStateBytes?(): Promise<number | null>;
  /**
   * After a resume, and once a used VM has gone quiet (settleMemory): hands the guest's free memory
   * (bytes, as the guest counts it) back to the host where it is still resident — a restore fills the
   * guest memory whole, and use leaves scattered pages behind that free page reporting misses.
   * Resolves with the bytes given back; absent where the hypervisor cannot.
   */
  returnFreeMemory?(guestFreeBytes: number): Promise<number>;
  /** Host processes that make up the running VM (hypervisor first), for resource figures. */
  processIds?(): readonly number[];
}
