import { access, mkdir, stat, truncate } from 'node:fs/promises';

import type { DlitePaths } from '../../paths.js';
import { hostArch } from '../../platform.js';
import { acquireDiskLock, type DiskLock } from '../../vm/lock.js';
import { isAlive, processCommandLine, readPidfile } from '../../vm/pidfile.js';
import {
  DriverError,
  type DriverInfo,
  type DriverStatus,
  type ExitInfo,
  type GuestArch,
  type HypervisorDriver,
  type RunningVm,
  type SshEndpoint,
  type SuspendResult,
  type VmConfig,
} from '../driver.js';
import type { AccelChoice } from './accel.js';
import { checkHost, queryQemu } from './host-check.js';
import { bootOrResume, suspendVm } from './boot-or-resume.js';
import { shutdownQemu } from './lifecycle.js';
import { waitForSshBanner } from './net.js';
import type { QmpClient } from './qmp.js';
import {
  adoptedState,
  findQemuForDisk,
  qemuLogPath,
  readState,
  removeRunFiles,
  writeState,
  type QemuState,
} from './run-state.js';
import { removeSavedState, savedStateSize } from './saved-state.js';
import { returnFreeMemory } from './suspend.js';
import { findVirtiofsd, stopLeftoverVirtiofsd, type VirtiofsdLookup } from './virtiofsd.js';
import { QemuVm } from './vm-handle.js';

/** Host/environment knobs, injectable for tests. */
export interface QemuDriverOptions {
  /** Looked up for `DLITE_QEMU` and `PATH` (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
  /** `process.arch` form (default `process.arch`). */
  readonly hostArch?: string;
  /** Receives one-line diagnostics (binary, accelerator and why). */
  readonly log?: (line: string) => void;
  /**
   * Take the disk lock (`run/disk.lock`) in start/adopt and release it when QEMU ends. Default false:
   * the supervisor holds that lock around the whole boot. Either way start refuses while a QEMU for
   * this disk runs, and QEMU's own image lock stops a second writer.
   */
  readonly diskLock?: boolean;
  /**
   * Guest architectures this driver also boots although the host CPU is another one, emulated
   * (always TCG). Default none: a foreign guest is slow, so it is booted only when asked for.
   */
  readonly emulate?: readonly GuestArch[];
}

const LOCALHOST = '127.0.0.1';

/**
 * Runs the VM under QEMU (Linux: kvm or tcg; macOS: hvf). QEMU is spawned detached (own process
 * group, output in `log/qemu.log`) so that it outlives a crashed supervisor, which then adopts it
 * from `run/vm.pid` + `run/qemu.json`. One instance drives one VM; the disk lock keeps a second
 * instance (or process) from booting the same disk.
 */
export class QemuDriver implements HypervisorDriver {
  readonly info: DriverInfo;
  private readonly hostArch: string;
  private binary: string | null = null;
  private accel: AccelChoice | null = null;
  private vm: QemuVm | null = null;
  private lock: DiskLock | null = null;
  private state: QemuState | null = null;
  private stopping: Promise<ExitInfo | null> | null = null;
  /** virtiofsd for the share, or why the share is 9p (fixed per driver instance). */
  readonly virtiofsd: VirtiofsdLookup;
  private virtiofsdPid: number | null = null;
  private cfg: VmConfig | null = null;

  constructor(
    private readonly paths: DlitePaths,
    private readonly opts: QemuDriverOptions = {},
  ) {
    this.hostArch = opts.hostArch ?? process.arch;
    this.virtiofsd = findVirtiofsd(opts.env ?? process.env, opts.platform ?? process.platform);
    this.info = {
      name: 'qemu',
      features: {
        shareType: this.virtiofsd.path ? 'virtiofs' : '9p',
        networkMode: 'user',
        needsRoot: false,
        arches: [...new Set([hostArch(this.hostArch), ...(opts.emulate ?? [])])],
        dockerPort: 'virtio-serial',
        memoryReturn: 'free-page-reporting',
        // DLITE_SUSPEND=off: an idle stop shuts down (nothing of the guest's memory is written to disk).
        suspend: (opts.env ?? process.env)['DLITE_SUSPEND'] !== 'off',
      },
    };
  }

  /** The accelerator chosen by the last {@link validate}, with its reason. */
  get accelerator(): AccelChoice | null {
    return this.accel;
  }

  async validate(cfg: VmConfig): Promise<void> {
    const platform = this.opts.platform ?? process.platform;
    const r = await checkHost(
      this.paths,
      cfg,
      this.info.features.arches,
      this.opts.env ?? process.env,
      platform,
      this.hostArch,
    );
    this.binary = r.binary;
    this.accel = r.accel;
    this.opts.log?.(`qemu: ${r.binary}, accelerator ${r.accel.accel} (${r.accel.reason})`);
  }

  async create(_cfg: VmConfig): Promise<void> {
    await mkdir(this.paths.runDir, { recursive: true, mode: 0o700 });
    await mkdir(this.paths.logDir, { recursive: true, mode: 0o700 });
  }

  /**
   * Boots QEMU on a free 127.0.0.1 ssh port and resolves once its QMP socket answers. Refuses when
   * a QEMU for this disk already runs (adopt or stop it first); with `diskLock`, also takes the disk
   * lock (LockError 'disk-locked' while another live process holds it). Aborting `signal` at any
   * time kills this QEMU.
   */
  async start(cfg: VmConfig, signal: AbortSignal): Promise<RunningVm> {
    if (this.vm && !this.vm.isGone) throw new DriverError('driver-failed', 'this driver already runs a VM');
    if (signal.aborted) throw new DriverError('cancelled', 'start cancelled');
    if (!this.binary || !this.accel) await this.validate(cfg);
    const binary = this.binary!;
    const accel = this.accel!.accel;
    await this.create(cfg);
    await access(this.paths.disk).catch(() => {
      throw new DriverError(
        'driver-failed',
        `the disk ${this.paths.disk} is missing; it must be created before start`,
      );
    });
    const lock = this.opts.diskLock ? await acquireDiskLock(this.paths.diskLock, this.paths.disk) : null;
    let launched = false;
    try {
      const other = await findQemuForDisk(this.paths, [
        await readPidfile(this.paths.vmPid),
        (await readState(this.paths))?.pid,
        lock?.replaced?.hypervisorPid,
      ]);
      if (other !== null) {
        throw new DriverError(
          'driver-failed',
          `QEMU (pid ${other}) already runs on this disk; adopt or stop it first`,
        );
      }
      await removeRunFiles(this.paths);
      launched = true;
      const { vm, sshPort, virtiofsd, resumed } = await bootOrResume({
        binary,
        accel,
        hostArch: this.hostArch,
        cfg,
        paths: this.paths,
        signal,
        virtiofsd: this.virtiofsd.path,
        onExit: (v) => this.finalize(v),
        log: (line) => this.opts.log?.(line),
      });
      this.virtiofsdPid = virtiofsd?.pid ?? null;
      this.cfg = cfg;
      this.vm = vm;
      this.lock = lock;
      this.state = { pid: vm.pid, sshPort, forwards: [], accel, startedAt: new Date().toISOString(), binary };
      await writeState(this.paths, this.state);
      await lock?.setHypervisorPid(vm.pid);
      const onAbort = () => vm.kill('SIGKILL');
      signal.addEventListener('abort', onAbort, { once: true });
      void vm.exited.then(() => signal.removeEventListener('abort', onAbort));
      return { pid: vm.pid, exited: vm.exited, resumed };
    } catch (e) {
      const vm = this.vm;
      this.vm = null;
      this.state = null;
      this.lock = null;
      if (vm && !vm.isGone) {
        vm.kill('SIGKILL');
        await vm.exited;
      }
      if (launched) await removeRunFiles(this.paths);
      await lock?.release();
      throw e;
    }
  }

  /** Clean-up once a VM this driver drove has ended. */
  private async finalize(vm: QemuVm): Promise<void> {
    if (this.vm !== vm) return;
    this.vm = null;
    this.state = null;
    // virtiofsd ends by itself when QEMU disconnects; make sure of it before the next start.
    this.virtiofsdPid = null;
    await stopLeftoverVirtiofsd(this.paths).catch(() => undefined);
    await removeRunFiles(this.paths);
    await this.lock?.release();
    this.lock = null;
  }

  async sshEndpoint(timeoutMs: number, signal: AbortSignal): Promise<SshEndpoint> {
    const state = this.state ?? (await readState(this.paths));
    if (!state) throw new DriverError('driver-failed', 'the VM is not running (no run/qemu.json)');
    const giveUp = async (): Promise<string | null> => {
      if (this.vm ? this.vm.isGone : !(await isAlive(state.pid))) return 'QEMU exited while waiting for SSH';
      return null;
    };
    try {
      await waitForSshBanner({ host: LOCALHOST, port: state.sshPort, timeoutMs, signal, giveUp });
    } catch (e) {
      const msg = (e as Error).message;
      if (msg === 'cancelled') throw new DriverError('cancelled', 'waiting for SSH was cancelled');
      if (msg.startsWith('no SSH banner')) {
        throw new DriverError('timeout', `${msg}; see ${this.paths.consoleLog}`);
      }
      throw new DriverError('driver-failed', msg);
    }
    return { host: LOCALHOST, port: state.sshPort };
  }

  /**
   * ACPI power button via QMP `system_powerdown`, waits up to timeoutMs, then QMP `quit`, then SIGKILL.
   * Stops (after adopting) a VM left by an earlier run too. Resolves null when nothing was running;
   * concurrent calls share one stop.
   */
  stop(opts: { timeoutMs: number }): Promise<ExitInfo | null> {
    this.stopping ??= this.doStop(opts.timeoutMs).finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  private async doStop(timeoutMs: number): Promise<ExitInfo | null> {
    if (!this.vm || this.vm.isGone) {
      const pid = await findQemuForDisk(this.paths, [
        await readPidfile(this.paths.vmPid),
        (await readState(this.paths))?.pid,
      ]);
      if (pid === null || !(await this.adopt(pid))) return null;
    }
    return shutdownQemu(this.vm!, timeoutMs);
  }

  async inspect(): Promise<DriverStatus> {
    const pid =
      this.vm?.pid ?? (await readPidfile(this.paths.vmPid)) ?? (await readState(this.paths))?.pid ?? null;
    if (pid === null) return { state: 'stopped', pid: null };
    if ((await findQemuForDisk(this.paths, [pid])) === null) {
      return { state: 'stopped', pid: null, reason: `pid ${pid} is not a running QEMU for this disk` };
    }
    return queryQemu(this.vm?.pid === pid ? this.vm : null, this.paths.qmpSocket, pid);
  }

  /**
   * Saves the VM to `suspend/` and ends QEMU (see HypervisorDriver.suspend). The guest MUST have run
   * `suspend prepare`. Rejects, with the VM running on, when QEMU refuses.
   */
  async suspend(timeoutMs: number): Promise<SuspendResult> {
    const vm = this.vm;
    const state = this.state;
    if (!vm || vm.isGone || !state || !this.cfg || !this.binary || !this.accel) {
      throw new DriverError('driver-failed', 'the VM is not running here; start it first');
    }
    const started = Date.now();
    const r = await suspendVm(
      vm,
      {
        binary: this.binary,
        accel: this.accel.accel,
        cfg: this.cfg,
        paths: this.paths,
        virtiofsd: this.virtiofsd.path,
        sshPort: state.sshPort,
      },
      timeoutMs,
    );
    return {
      stateBytes: r.stateBytes,
      uncompressed: { bytes: r.streamBytes, codec: r.codec },
      tookMs: Date.now() - started,
    };
  }

  async discardSavedState(reason: string): Promise<void> {
    if ((await savedStateSize(this.paths)) !== null) this.opts.log?.(`discarding the saved VM: ${reason}`);
    await removeSavedState(this.paths);
  }

  savedStateBytes(): Promise<number | null> {
    return savedStateSize(this.paths);
  }

  /**
   * Empties QEMU's copy of the initramfs (its pages leave QEMU's resident memory; the guest unpacked
   * it long ago), then the balloon takes the guest's free pages and gives them back unbacked (see
   * returnFreeMemory in suspend.ts).
   */
  async returnFreeMemory(guestFreeBytes: number): Promise<number> {
    const qmp = this.vm && !this.vm.isGone ? await this.vm.qmpClient() : null;
    if (!qmp || !this.cfg) return 0;
    const initrd = await stat(this.paths.bootInitrd).catch(() => null);
    if (initrd && initrd.size > 0) {
      await truncate(this.paths.bootInitrd, 0);
      this.opts.log?.(`emptied QEMU's copy of the initramfs (${Math.round(initrd.size / 2 ** 20)} MiB)`);
    }
    const total = Math.round(this.cfg.memoryGiB * 1024) * 2 ** 20;
    return total - (await returnFreeMemory(qmp, total, guestFreeBytes));
  }

  /** QEMU, then virtiofsd when it runs. */
  processIds(): readonly number[] {
    const pid = this.vm && !this.vm.isGone ? this.vm.pid : null;
    if (pid === null) return [];
    return this.virtiofsdPid === null ? [pid] : [pid, this.virtiofsdPid];
  }

  /** QEMU serves the guest's `io.dlite.docker` virtio-serial port on this socket. */
  dockerPort(): string {
    return this.paths.dockerPortSocket;
  }

  async forwardPort(hostPort: number, guestPort: number): Promise<void> {
    const qmp = await this.runningQmp();
    await qmp.hostfwdAdd(hostPort, guestPort).catch((e: Error) => {
      throw new DriverError(
        'driver-failed',
        `cannot forward ${LOCALHOST}:${hostPort} to guest port ${guestPort}: ${e.message}`,
      );
    });
    await this.saveForwards([
      ...(this.state?.forwards ?? []).filter((f) => f.hostPort !== hostPort),
      { hostPort, guestPort },
    ]);
  }

  /** Removes a forward added with {@link forwardPort}; no error when there is none. */
  async removeForward(hostPort: number): Promise<void> {
    const qmp = await this.runningQmp();
    await qmp.hostfwdRemove(hostPort).catch((e: Error) => {
      if (!e.message.includes('not found')) throw new DriverError('driver-failed', e.message);
    });
    await this.saveForwards((this.state?.forwards ?? []).filter((f) => f.hostPort !== hostPort));
  }

  private async runningQmp(): Promise<QmpClient> {
    const qmp = this.vm && !this.vm.isGone ? await this.vm.qmpClient() : null;
    if (!qmp) throw new DriverError('driver-failed', 'the VM is not running here; start or adopt it first');
    return qmp;
  }

  private async saveForwards(forwards: QemuState['forwards']): Promise<void> {
    if (!this.state) return;
    this.state = { ...this.state, forwards };
    await writeState(this.paths, this.state);
  }

  /**
   * Takes over a QEMU left running by an earlier supervisor: checks that `pid` is alive and is QEMU for
   * our disk (else null), takes the disk lock (LockError while another live process holds it), reads
   * its ssh port from `run/qemu.json` or its command line and reconnects QMP. `exited` polls the pid.
   */
  async adopt(pid: number): Promise<RunningVm | null> {
    if (this.vm && !this.vm.isGone) {
      if (this.vm.pid === pid) return { pid, exited: this.vm.exited };
      throw new DriverError('driver-failed', `this driver already runs QEMU pid ${this.vm.pid}`);
    }
    if ((await findQemuForDisk(this.paths, [pid])) === null) return null;
    const state = adoptedState(pid, (await processCommandLine(pid)) ?? '', await readState(this.paths));
    if (state === null) return null;
    const lock = this.opts.diskLock ? await acquireDiskLock(this.paths.diskLock, this.paths.disk) : null;
    await lock?.setHypervisorPid(pid);
    const vm: QemuVm = new QemuVm(
      pid,
      this.paths.qmpSocket,
      { kind: 'adopted', logPath: qemuLogPath(this.paths) },
      () => this.finalize(vm),
    );
    this.vm = vm;
    this.lock = lock;
    this.state = state;
    await writeState(this.paths, this.state);
    await vm.qmpClient();
    return { pid, exited: vm.exited };
  }

  /**
   * Lets go of a running VM without stopping it (the supervisor exits, the VM keeps running for the
   * next one to adopt): closes QMP and releases the disk lock. Idempotent.
   */
  async detach(): Promise<void> {
    const vm = this.vm;
    if (!vm) return;
    this.vm = null;
    this.state = null;
    vm.detach();
    await this.lock?.release();
    this.lock = null;
  }
}
