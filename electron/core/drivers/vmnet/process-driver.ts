import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { DlitePaths } from '../../paths.js';
import { isAlive, processCommandLine, readPidfile, writePidfile } from '../../vm/pidfile.js';
import {
  DriverError,
  type DriverInfo,
  type DriverStatus,
  type ExitInfo,
  type HypervisorDriver,
  type RunningVm,
  type SshEndpoint,
  type VmConfig,
} from '../driver.js';
import { waitForSshBanner } from '../qemu/net.js';
import { rotateLog } from '../qemu/run-state.js';
import { waitForLease } from './address.js';
import { HypervisorProcess, type RawExit } from './hypervisor-process.js';
import { DHCPD_LEASES, type LeaseQuery } from './leases.js';

/** Host knobs of the macOS drivers, injectable so scripted fakes can stand in for xhyve and vfkit. */
export interface VmnetDriverOptions {
  /** Environment for binary lookup and the hypervisor process (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  /** The bootpd lease file (default `/var/db/dhcpd_leases`). */
  readonly leaseFile?: string;
  /** How long to wait for a lease, ms (default 30 s, polled every {@link leasePollMs}). */
  readonly leaseTimeoutMs?: number;
  readonly leasePollMs?: number;
  /** The VM's uuid (settings), to recognise its hypervisor after a restart of the supervisor. */
  readonly uuid?: string;
  /** The guest's SSH port (default 22). */
  readonly sshPort?: number;
  /** The user's binary setting (`xhyve_binary` / `vfkit_binary`); '' looks it up. */
  readonly binary?: string;
  /** The app bundle's `Contents/Resources`, when running from one. */
  readonly resourcesDir?: string | null;
  readonly platform?: NodeJS.Platform;
  /** `process.arch` form. */
  readonly hostArch?: string;
  readonly log?: (line: string) => void;
}

/** What `run/<driver>.json` keeps for a later supervisor. */
export interface VmnetState {
  readonly pid: number;
  readonly startedAt: string;
  readonly mac: string | null;
  readonly uuid: string;
}

/**
 * The lifecycle the xhyve and vfkit drivers share: one detached hypervisor process per VM (pidfile
 * `run/vm.pid`, state `run/<name>.json`), the guest's address from the bootpd lease file, SSH on
 * that address, adoption by pid. Subclasses say how to validate, launch, stop and read an exit.
 */
export abstract class ProcessDriver implements HypervisorDriver {
  abstract readonly info: DriverInfo;
  protected vm: HypervisorProcess | null = null;
  protected mac: string | null = null;
  private stopRequested = false;
  /** Set once the VM is forced off: its exit is never clean, whatever the code. */
  private forced = false;
  private stopping: Promise<ExitInfo | null> | null = null;
  private exitInfo: Promise<ExitInfo> | null = null;

  constructor(
    protected readonly paths: DlitePaths,
    protected readonly opts: VmnetDriverOptions,
  ) {}

  abstract validate(cfg: VmConfig): Promise<void>;
  /** Spawns the hypervisor for `cfg` (logs already rotated, no other VM on the disk). */
  protected abstract launch(cfg: VmConfig): Promise<HypervisorProcess>;
  /** Asks the guest to power off and waits up to `timeoutMs`; true when the process ended. */
  protected abstract gracefulStop(vm: HypervisorProcess, timeoutMs: number): Promise<boolean>;
  /** Forces the VM off; resolves once the process ended (or gave up). */
  protected abstract forceStop(vm: HypervisorProcess): Promise<void>;
  /** What finds this VM's lease (its uuid as DHCP host name, and/or its MAC). */
  protected abstract leaseQuery(): LeaseQuery;
  /**
   * True when a process command line is this driver's hypervisor for this VM (pid reuse guard);
   * `uuid` is the VM's (from the options, else the state file).
   */
  protected abstract isOurProcess(cmdline: string, uuid: string | null): boolean;
  /** Reads a raw exit; `stopRequested` when Dlite asked for the power-off. */
  protected abstract interpretExit(raw: RawExit, stopRequested: boolean): ExitInfo;
  /** Where the hypervisor's stderr goes (`log/<name>.log`). */
  protected abstract get stderrLog(): string;

  protected get stateFile(): string {
    return path.join(this.paths.runDir, `${this.info.name}.json`);
  }

  async create(_cfg: VmConfig): Promise<void> {
    await mkdir(this.paths.runDir, { recursive: true, mode: 0o700 });
    await mkdir(this.paths.logDir, { recursive: true, mode: 0o700 });
  }

  async start(cfg: VmConfig, signal: AbortSignal): Promise<RunningVm> {
    if (this.vm && !this.vm.isGone) throw new DriverError('driver-failed', 'this driver already runs a VM');
    if (signal.aborted) throw new DriverError('cancelled', 'start cancelled');
    await this.validate(cfg);
    await this.create(cfg);
    const other = await this.runningPid();
    if (other !== null) {
      throw new DriverError(
        'driver-failed',
        `${this.info.name} (pid ${other}) already runs this VM; adopt or stop it first`,
      );
    }
    await this.removeRunFiles();
    await rotateLog(this.paths.consoleLog);
    await rotateLog(this.stderrLog);
    const vm = await this.launch(cfg);
    this.attach(vm);
    await writePidfile(this.paths.vmPid, vm.pid);
    await this.writeState({
      pid: vm.pid,
      startedAt: new Date().toISOString(),
      mac: this.mac,
      uuid: cfg.uuid,
    });
    const onAbort = (): void => {
      this.forced = true;
      void this.forceStop(vm);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void vm.exited.then(() => signal.removeEventListener('abort', onAbort));
    return { pid: vm.pid, exited: this.exitInfo! };
  }

  private attach(vm: HypervisorProcess): void {
    this.vm = vm;
    this.stopRequested = false;
    this.forced = false;
    this.exitInfo = vm.exited.then(async (raw) => {
      const read = this.interpretExit(raw, this.stopRequested);
      const info = this.forced
        ? { ...read, clean: false, reason: `${read.reason ?? 'stopped'} (forced off)` }
        : read;
      if (this.vm === vm) {
        this.vm = null;
        await this.removeRunFiles().catch(() => undefined);
      }
      this.opts.log?.(`${this.info.name} exited (${info.clean ? 'clean' : 'not clean'})`);
      return info;
    });
  }

  async sshEndpoint(timeoutMs: number, signal: AbortSignal): Promise<SshEndpoint> {
    const deadline = Date.now() + timeoutMs;
    const vm = this.vm;
    const giveUp = async (): Promise<string | null> =>
      (vm ? vm.isGone : (await this.runningPid()) === null)
        ? `${this.info.name} exited while waiting for the VM's address`
        : null;
    const lease = await waitForLease({
      leaseFile: this.opts.leaseFile ?? DHCPD_LEASES,
      query: this.leaseQuery(),
      timeoutMs: Math.min(timeoutMs, this.opts.leaseTimeoutMs ?? 30_000),
      pollMs: this.opts.leasePollMs ?? 1000,
      signal,
      giveUp,
      notBefore: Math.floor(Date.now() / 1000),
    });
    const port = this.opts.sshPort ?? 22;
    try {
      await waitForSshBanner({
        host: lease.ip,
        port,
        timeoutMs: Math.max(1000, deadline - Date.now()),
        signal,
        giveUp,
      });
    } catch (e) {
      const msg = (e as Error).message;
      if (msg === 'cancelled') throw new DriverError('cancelled', 'waiting for SSH was cancelled');
      throw new DriverError(
        msg.startsWith('no SSH banner') ? 'timeout' : 'driver-failed',
        `${msg} (address from ${this.opts.leaseFile ?? DHCPD_LEASES}); see ${this.paths.consoleLog}`,
      );
    }
    return { host: lease.ip, port };
  }

  /** The hypervisor process while it runs (for the host's resource figures). */
  processIds(): readonly number[] {
    return this.vm && !this.vm.isGone ? [this.vm.pid] : [];
  }

  /** Graceful power-off, then force after `timeoutMs`; adopts a VM left by an earlier run first. */
  stop(opts: { timeoutMs: number }): Promise<ExitInfo | null> {
    this.stopping ??= this.doStop(opts.timeoutMs).finally(() => {
      this.stopping = null;
    });
    return this.stopping;
  }

  private async doStop(timeoutMs: number): Promise<ExitInfo | null> {
    if (!this.vm || this.vm.isGone) {
      const pid = await this.runningPid();
      if (pid === null || !(await this.adopt(pid))) return null;
    }
    const vm = this.vm!;
    const info = this.exitInfo!;
    this.stopRequested = true;
    if (!(await this.gracefulStop(vm, timeoutMs))) {
      this.opts.log?.(`${this.info.name} did not power off within ${timeoutMs} ms; forcing it off`);
      this.forced = true;
      await this.forceStop(vm);
    }
    return info;
  }

  async inspect(): Promise<DriverStatus> {
    const pid = this.vm && !this.vm.isGone ? this.vm.pid : await this.runningPid();
    return pid === null ? { state: 'stopped', pid: null } : { state: 'running', pid };
  }

  async adopt(pid: number): Promise<RunningVm | null> {
    if (this.vm && !this.vm.isGone) {
      if (this.vm.pid === pid) return { pid, exited: this.exitInfo! };
      throw new DriverError('driver-failed', `this driver already runs ${this.info.name} pid ${this.vm.pid}`);
    }
    if ((await this.runningPid([pid])) === null) return null;
    this.mac = (await this.readState())?.mac ?? this.mac;
    const vm = HypervisorProcess.adopt(pid, (await processCommandLine(pid)) ?? '', this.stderrLog);
    this.attach(vm);
    return { pid, exited: this.exitInfo! };
  }

  async detach(): Promise<void> {
    const vm = this.vm;
    if (!vm) return;
    this.vm = null;
    vm.detach();
    return Promise.resolve();
  }

  /** The pid of a live hypervisor for this VM: from `pids`, else the pidfile and the state file. */
  protected async runningPid(pids?: readonly number[]): Promise<number | null> {
    const state = await this.readState();
    const uuid = this.opts.uuid ?? (state?.uuid || null);
    const candidates = pids ?? [await readPidfile(this.paths.vmPid), state?.pid];
    for (const pid of candidates) {
      if (pid == null || !(await isAlive(pid))) continue;
      const cmd = await processCommandLine(pid);
      if (cmd !== null && this.isOurProcess(cmd, uuid)) return pid;
    }
    return null;
  }

  protected async readState(): Promise<VmnetState | null> {
    try {
      const v = JSON.parse(await readFile(this.stateFile, 'utf8')) as Partial<VmnetState>;
      if (typeof v.pid !== 'number') return null;
      return {
        pid: v.pid,
        startedAt: v.startedAt ?? '',
        mac: typeof v.mac === 'string' ? v.mac : null,
        uuid: typeof v.uuid === 'string' ? v.uuid : '',
      };
    } catch {
      return null;
    }
  }

  private async writeState(state: VmnetState): Promise<void> {
    await writeFile(`${this.stateFile}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
    await rename(`${this.stateFile}.tmp`, this.stateFile);
  }

  /** Removes the pidfile and the state file (and subclass sockets). Idempotent. */
  protected async removeRunFiles(): Promise<void> {
    await rm(this.paths.vmPid, { force: true });
    await rm(this.stateFile, { force: true });
  }
}
