import { constants } from 'node:fs';
import { access, mkdir, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import { overlongSockets, type DlitePaths } from '../../paths.js';
import { formatCommand } from '../../process/format.js';
import { spawnDetached } from '../../process/supervised.js';
import { acquireDiskLock, type DiskLock } from '../../vm/lock.js';
import { isAlive, processCommandLine, readPidfile, removePidfile } from '../../vm/pidfile.js';
import {
  DriverError,
  type DriverInfo,
  type DriverStatus,
  type ExitInfo,
  type GuestArch,
  type HypervisorDriver,
  type RunningVm,
  type SshEndpoint,
  type VmConfig,
} from '../driver.js';
import { detectAccelerator, type AccelChoice } from './accel.js';
import { buildQemuArgs } from './args.js';
import { resolveQemuBinary } from './binary.js';
import { freePort, waitForSshBanner } from './net.js';
import { QmpClient } from './qmp.js';
import {
  isQemuForDisk,
  qemuLogPath,
  readState,
  removeState,
  rotateLog,
  sshPortFromCmdline,
  writeState,
  type QemuState,
} from './state.js';
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
}

/** Milliseconds QEMU gets to bring up its QMP socket after spawning. */
const QMP_READY_MS = 30_000;
/** Milliseconds QEMU gets to exit after QMP `quit` before SIGKILL. */
const QUIT_GRACE_MS = 3000;
const LOCALHOST = '127.0.0.1';

function nativeArch(hostArch: string): GuestArch {
  return hostArch === 'arm64' ? 'arm64' : 'amd64';
}

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

  constructor(
    private readonly paths: DlitePaths,
    private readonly opts: QemuDriverOptions = {},
  ) {
    this.hostArch = opts.hostArch ?? process.arch;
    this.info = {
      name: 'qemu',
      features: {
        shareType: '9p',
        networkMode: 'user',
        needsRoot: false,
        arches: [nativeArch(this.hostArch)],
      },
    };
  }

  /** The accelerator chosen by the last {@link validate}, with its reason. */
  get accelerator(): AccelChoice | null {
    return this.accel;
  }

  async validate(cfg: VmConfig): Promise<void> {
    const long = overlongSockets(this.paths);
    if (long.length > 0) {
      throw new DriverError(
        'driver-unavailable',
        `socket path ${long[0]} is too long; use a shorter DLITE_HOME`,
      );
    }
    if (!this.info.features.arches.includes(cfg.arch)) {
      throw new DriverError(
        'driver-unavailable',
        `qemu here boots ${this.info.features.arches.join(', ')} guests, not ${cfg.arch}`,
      );
    }
    const platform = this.opts.platform ?? process.platform;
    this.binary = await resolveQemuBinary(cfg.arch, this.opts.env ?? process.env, platform);
    for (const [what, file] of [
      ['kernel', cfg.kernelPath],
      ['initramfs', cfg.initrdPath],
    ] as const) {
      await access(file, constants.R_OK).catch(() => {
        throw new DriverError(
          'driver-unavailable',
          `the guest ${what} ${file} is missing; reinstall the OS image`,
        );
      });
    }
    this.accel = await detectAccelerator(this.binary, platform);
    this.opts.log?.(`qemu: ${this.binary}, accelerator ${this.accel.accel} (${this.accel.reason})`);
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
    let vm: QemuVm | null = null;
    try {
      const other = await this.verifiedPid([
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
      await this.removeRunFiles();
      await rotateLog(this.paths.consoleLog);
      await rotateLog(qemuLogPath(this.paths));
      let sshPort = 0;
      for (let attempt = 0; ; attempt++) {
        sshPort = await freePort();
        const args = buildQemuArgs(cfg, {
          accel,
          sshPort,
          hostArch: this.hostArch,
          qmpSocket: this.paths.qmpSocket,
          consoleLog: this.paths.consoleLog,
          pidfile: this.paths.vmPid,
        });
        const child = await spawnDetached(binary, args, { logPath: qemuLogPath(this.paths) });
        const candidate: QemuVm = new QemuVm(
          child.pid,
          this.paths.qmpSocket,
          { kind: 'child', exit: child.exited },
          () => this.finalize(candidate),
        );
        vm = candidate;
        if (await this.waitQmp(candidate, signal)) break;
        const exit = await candidate.exited;
        const last = exit.stderrTail.at(-1) ?? `exit code ${exit.code}`;
        const portTaken = exit.stderrTail.some((l) => l.includes(`${LOCALHOST}:${sshPort}-`));
        if (!portTaken || attempt >= 2) {
          throw new DriverError(
            'driver-failed',
            `QEMU exited during start: ${last}`,
            formatCommand(binary, args),
          );
        }
      }
      const running = vm;
      this.vm = running;
      this.lock = lock;
      this.state = {
        pid: running.pid,
        sshPort,
        forwards: [],
        accel,
        startedAt: new Date().toISOString(),
        binary,
      };
      await writeState(this.paths, this.state);
      await lock?.setHypervisorPid(running.pid);
      const onAbort = () => running.kill('SIGKILL');
      signal.addEventListener('abort', onAbort, { once: true });
      void running.exited.then(() => signal.removeEventListener('abort', onAbort));
      return { pid: running.pid, exited: running.exited };
    } catch (e) {
      this.vm = null;
      this.state = null;
      this.lock = null;
      if (vm && !vm.isGone) {
        vm.kill('SIGKILL');
        await vm.exited;
      }
      if (vm) await this.removeRunFiles();
      await lock?.release();
      throw e;
    }
  }

  /** Connects QMP to a just-spawned QEMU; false when it died first. Throws DriverError('cancelled'/'timeout'). */
  private async waitQmp(vm: QemuVm, signal: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + QMP_READY_MS;
    while (!vm.isGone) {
      if (signal.aborted) throw new DriverError('cancelled', 'start cancelled');
      if (Date.now() > deadline) {
        throw new DriverError('timeout', `QEMU did not open its QMP socket within ${QMP_READY_MS / 1000} s`);
      }
      const client = await QmpClient.connect(this.paths.qmpSocket, { timeoutMs: 2000 }).catch(() => null);
      if (client) {
        vm.attachQmp(client);
        return true;
      }
      await Promise.race([sleep(100), vm.exited]);
    }
    return false;
  }

  /** Clean-up once a VM this driver drove has ended. */
  private async finalize(vm: QemuVm): Promise<void> {
    if (this.vm !== vm) return;
    this.vm = null;
    this.state = null;
    await this.removeRunFiles();
    await this.lock?.release();
    this.lock = null;
  }

  private async removeRunFiles(): Promise<void> {
    await removePidfile(this.paths.vmPid);
    await removeState(this.paths);
    await rm(this.paths.qmpSocket, { force: true });
  }

  /** The first of `pids` that is alive and is QEMU for our disk, else null. */
  private async verifiedPid(pids: readonly (number | null | undefined)[]): Promise<number | null> {
    for (const pid of pids) {
      if (pid == null || !(await isAlive(pid))) continue;
      const cmd = await processCommandLine(pid);
      if (cmd !== null && isQemuForDisk(cmd, this.paths.disk)) return pid;
    }
    return null;
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
      const pid = await this.verifiedPid([
        await readPidfile(this.paths.vmPid),
        (await readState(this.paths))?.pid,
      ]);
      if (pid === null || !(await this.adopt(pid))) return null;
    }
    const vm = this.vm!;
    const qmp = await vm.qmpClient();
    const asked = qmp
      ? await qmp.systemPowerdown().then(
          () => true,
          () => false,
        )
      : false;
    if (asked && (await vm.waitExit(timeoutMs))) return vm.exited;
    vm.markForced();
    if (qmp && !qmp.isClosed) await qmp.quit().catch(() => undefined);
    if (await vm.waitExit(QUIT_GRACE_MS)) return vm.exited;
    vm.kill('SIGKILL');
    return vm.exited;
  }

  async inspect(): Promise<DriverStatus> {
    const pid =
      this.vm?.pid ?? (await readPidfile(this.paths.vmPid)) ?? (await readState(this.paths))?.pid ?? null;
    if (pid === null) return { state: 'stopped', pid: null };
    if ((await this.verifiedPid([pid])) === null) {
      return { state: 'stopped', pid: null, reason: `pid ${pid} is not a running QEMU for this disk` };
    }
    const owned = this.vm?.pid === pid ? this.vm : null;
    const qmp = owned
      ? await owned.qmpClient(2000)
      : await QmpClient.connect(this.paths.qmpSocket, { timeoutMs: 2000 }).catch(() => null);
    if (!qmp) return { state: 'broken', pid, reason: 'QEMU does not answer on its QMP socket' };
    try {
      const s = await qmp.queryStatus();
      return s.running
        ? { state: 'running', pid }
        : { state: 'broken', pid, reason: `QEMU status is ${s.status}` };
    } catch (e) {
      return { state: 'broken', pid, reason: (e as Error).message };
    } finally {
      if (!owned) qmp.close();
    }
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
    if ((await this.verifiedPid([pid])) === null) return null;
    const cmd = (await processCommandLine(pid)) ?? '';
    const saved = await readState(this.paths);
    const sshPort = saved?.pid === pid ? saved.sshPort : sshPortFromCmdline(cmd);
    if (sshPort === null) return null;
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
    this.state =
      saved?.pid === pid
        ? saved
        : {
            pid,
            sshPort,
            forwards: [],
            accel: /-accel (\w+)/.exec(cmd)?.[1] === 'kvm' ? 'kvm' : /-accel hvf/.test(cmd) ? 'hvf' : 'tcg',
            startedAt: new Date().toISOString(),
            binary: cmd.split(' ')[0] ?? '',
          };
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
