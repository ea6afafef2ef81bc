import { spawn } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { DlitePaths } from '../../paths.js';
import { findBinary } from '../binary-lookup.js';
import { DriverError, type DriverInfo, type ExitInfo, type RootSetupStep, type VmConfig } from '../driver.js';
import { HypervisorProcess, type RawExit } from '../vmnet/hypervisor-process.js';
import type { LeaseQuery } from '../vmnet/leases.js';
import { ProcessDriver, type VmnetDriverOptions } from '../vmnet/process-driver.js';
import { buildXhyveArgs } from './xhyve-args.js';
import { interpretXhyveExit } from './exit.js';
import { XHYVE_LAUNCHER } from './launcher.js';
import { XHYVE_SETUP_PATHS, xhyveRootSetup, type XhyveSetupPaths } from './setup.js';

export interface XhyveDriverOptions extends VmnetDriverOptions {
  /**
   * The argv prefix that runs the launcher as root (default `sudo -n <launcher>`). The test suite
   * runs the rendered launcher directly against a scripted xhyve.
   */
  readonly launch?: readonly string[];
  readonly setupPaths?: XhyveSetupPaths;
  /** The login name the sudoers rule is written for (default: this process's user). */
  readonly user?: string;
}

/** Milliseconds between SIGTERMs (power-button presses) while waiting for a graceful stop. */
const REPRESS_MS = 5000;
/** Milliseconds to wait after SIGUSR2 (SIGKILL of xhyve by the launcher) before killing sudo. */
const FORCE_GRACE_MS = 5000;
const MAC_LINE = /^MAC: ([0-9a-f]{1,2}(:[0-9a-f]{1,2}){5})\s*$/im;

/**
 * The original Dlite's hypervisor, for Intel Macs. xhyve runs as root through a root-owned launcher
 * (see launcher.ts for why and how); its console is its stdout (`log/console.log`), its errors go to
 * `log/xhyve.log`. The IP comes from bootpd's lease for the uuid the guest sends as DHCP host name
 * (or the MAC `xhyve -M` prints). The share is NFS from the host (exports set by host integration).
 */
export class XhyveDriver extends ProcessDriver {
  readonly info: DriverInfo = {
    name: 'xhyve',
    features: {
      shareType: 'nfs',
      networkMode: 'vmnet',
      needsRoot: true,
      arches: ['amd64'],
      dockerPort: 'none',
      // xhyve has no balloon and cannot save a VM: an idle stop is a shutdown.
      memoryReturn: 'none',
      suspend: false,
    },
  };
  private uuid: string | null = null;
  private binary: string | null = null;

  constructor(
    paths: DlitePaths,
    protected override readonly opts: XhyveDriverOptions = {},
  ) {
    super(paths, opts);
  }

  protected get stderrLog(): string {
    return path.join(this.paths.logDir, 'xhyve.log');
  }

  private get launcher(): readonly string[] {
    return this.opts.launch ?? ['sudo', '-n', (this.opts.setupPaths ?? XHYVE_SETUP_PATHS).launcher];
  }

  private async findSource(): Promise<string | null> {
    try {
      const found = await findBinary({
        name: 'xhyve',
        setting: this.opts.binary,
        settingName: 'xhyve_binary',
        resourcesDir: this.opts.resourcesDir ?? null,
        env: this.opts.env ?? process.env,
      });
      return found?.path ?? null;
    } catch (e) {
      throw new DriverError('driver-unavailable', (e as Error).message);
    }
  }

  /** Refuses off Intel macOS, a missing xhyve or root set-up, and values xhyve cannot take. */
  async validate(cfg: VmConfig): Promise<void> {
    const platform = this.opts.platform ?? process.platform;
    const arch = this.opts.hostArch ?? process.arch;
    if (platform !== 'darwin') {
      throw new DriverError(
        'driver-unavailable',
        `xhyve runs only on Intel Macs; this is ${platform} (use qemu)`,
      );
    }
    if (arch === 'arm64') {
      throw new DriverError(
        'driver-unavailable',
        'xhyve runs only on Intel Macs; on Apple Silicon use vfkit',
      );
    }
    if (cfg.arch !== 'amd64') {
      throw new DriverError('driver-unavailable', `xhyve boots amd64 guests, not ${cfg.arch}`);
    }
    try {
      buildXhyveArgs({ ...cfg, disk: this.paths.disk, kernel: cfg.kernelPath, initrd: cfg.initrdPath });
    } catch (e) {
      throw new DriverError('driver-failed', (e as Error).message);
    }
    for (const file of [cfg.kernelPath, cfg.initrdPath]) {
      await access(file, constants.R_OK).catch(() => {
        throw new DriverError('driver-failed', `${file} is missing or unreadable`);
      });
    }
    if (this.opts.launch === undefined) {
      const steps = await this.rootSetup(cfg);
      if (steps.length > 0) {
        throw new DriverError(
          'driver-unavailable',
          'xhyve needs its one-time root set-up, which was not allowed: start again and choose Continue, or use vfkit',
        );
      }
    }
    this.uuid = cfg.uuid;
  }

  /** The `xhyve-install` step while the root-owned copy, launcher or sudoers rule is missing or stale. */
  async rootSetup(_cfg: VmConfig): Promise<readonly RootSetupStep[]> {
    if (this.opts.launch !== undefined) return [];
    this.binary ??= await this.findSource();
    try {
      return await xhyveRootSetup(
        this.binary,
        this.opts.user ?? os.userInfo().username,
        this.opts.setupPaths,
      );
    } catch (e) {
      throw new DriverError('driver-unavailable', (e as Error).message);
    }
  }

  /** fds 3/4/5 for the launcher, opened with this user's permissions and without following a last symlink. */
  private openImageFds(cfg: VmConfig): number[] {
    const nofollow = constants.O_NOFOLLOW;
    try {
      return [
        openSync(this.paths.disk, constants.O_RDWR | nofollow),
        openSync(cfg.kernelPath, constants.O_RDONLY | nofollow),
        openSync(cfg.initrdPath, constants.O_RDONLY | nofollow),
      ];
    } catch (e) {
      throw new DriverError('driver-failed', `cannot open the VM's files: ${(e as Error).message}`);
    }
  }

  private launcherArgs(mode: 'run' | 'mac', cfg: VmConfig): string[] {
    const [, ...rest] = this.launcher;
    return [...rest, mode, cfg.uuid, String(cfg.cpus), String(cfg.memoryGiB), cfg.cmdline];
  }

  /** `xhyve -M` through the launcher: the MAC vmnet gives this uuid; null when it cannot tell. */
  private readMac(cfg: VmConfig): Promise<string | null> {
    const fds = this.openImageFds(cfg);
    return new Promise((resolve) => {
      let child;
      try {
        child = spawn(this.launcher[0]!, this.launcherArgs('mac', cfg), {
          stdio: ['ignore', 'pipe', 'ignore', ...fds],
          env: this.opts.env ?? process.env,
        });
      } finally {
        for (const fd of fds) closeSync(fd);
      }
      let out = '';
      child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('error', () => resolve(null));
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve(code === 0 ? (MAC_LINE.exec(out)?.[1]?.toLowerCase() ?? null) : null);
      });
    });
  }

  protected async launch(cfg: VmConfig): Promise<HypervisorProcess> {
    this.uuid = cfg.uuid;
    this.mac = await this.readMac(cfg);
    this.opts.log?.(`xhyve: MAC ${this.mac ?? 'unknown (matching the lease by uuid only)'}`);
    return HypervisorProcess.spawn({
      command: this.launcher[0]!,
      args: this.launcherArgs('run', cfg),
      stdoutFile: this.paths.consoleLog,
      stderrFile: this.stderrLog,
      extraFds: this.openImageFds(cfg),
      env: this.opts.env ?? process.env,
    });
  }

  /** SIGTERM (relayed by sudo and the launcher) is xhyve's ACPI power button; pressed every 5 s. */
  protected async gracefulStop(vm: HypervisorProcess, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!vm.kill('SIGTERM')) return vm.waitExit(1000);
      const left = deadline - Date.now();
      if (await vm.waitExit(Math.min(REPRESS_MS, Math.max(0, left)))) return true;
      if (left <= REPRESS_MS) return false;
    }
  }

  /** SIGUSR2 makes the launcher SIGKILL xhyve; if that fails, SIGKILL what we started. */
  protected async forceStop(vm: HypervisorProcess): Promise<void> {
    vm.kill('SIGUSR2');
    if (await vm.waitExit(FORCE_GRACE_MS)) return;
    vm.kill('SIGKILL');
    if (!(await vm.waitExit(FORCE_GRACE_MS))) {
      this.opts.log?.(`xhyve (pid ${vm.pid}) did not exit after SIGKILL`);
    }
  }

  protected leaseQuery(): LeaseQuery {
    const name = this.uuid ?? this.opts.uuid;
    return { ...(name ? { name } : {}), ...(this.mac ? { mac: this.mac } : {}) };
  }

  protected isOurProcess(cmdline: string, uuid: string | null): boolean {
    const launcher = this.opts.launch?.at(-1) ?? (this.opts.setupPaths ?? XHYVE_SETUP_PATHS).launcher;
    const id = uuid ?? this.uuid;
    return cmdline.includes(path.basename(launcher ?? XHYVE_LAUNCHER)) && id !== null && cmdline.includes(id);
  }

  protected interpretExit(raw: RawExit, stopRequested: boolean): ExitInfo {
    const meaning = interpretXhyveExit({
      code: raw.code,
      signal: raw.signal,
      uptimeMs: raw.uptimeMs,
      stderr: raw.stderrTail,
      stopRequested,
    });
    return {
      code: raw.code,
      signal: raw.signal,
      clean: raw.code === null && raw.signal === null ? stopRequested : meaning.clean,
      stderrTail: raw.stderrTail,
      reason: meaning.reason,
    };
  }
}
