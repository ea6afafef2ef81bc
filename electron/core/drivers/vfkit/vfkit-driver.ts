import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import type { DlitePaths } from '../../paths.js';
import { findBinary } from '../binary-lookup.js';
import {
  DriverError,
  type DriverInfo,
  type DriverStatus,
  type ExitInfo,
  type GuestArch,
  type VmConfig,
} from '../driver.js';
import { HypervisorProcess, type RawExit } from '../vmnet/hypervisor-process.js';
import type { LeaseQuery } from '../vmnet/leases.js';
import { macFromUuid } from '../vmnet/mac.js';
import { ProcessDriver, type VmnetDriverOptions } from '../vmnet/process-driver.js';
import { buildVfkitArgs, DOCKER_VSOCK_PORT } from './vfkit-args.js';
import { kernelProblem } from './kernel-check.js';
import { VfkitRest } from './rest.js';
import { ensureSocketDir, vfkitSockets, type VfkitSockets } from './sockets.js';

export interface VfkitDriverOptions extends VmnetDriverOptions {
  /** `os.release()` form (Darwin kernel version); vfkit needs macOS 13 = Darwin 22. */
  readonly osRelease?: string;
}

/** Milliseconds vfkit gets to bring up its REST socket after spawning. */
const REST_READY_MS = 30_000;
/** Poll interval of `GET /vm/state` while stopping (podman's 500 ms). */
const STATE_POLL_MS = 500;
/** Milliseconds to wait after `HardStop` before signalling vfkit. */
const FORCE_GRACE_MS = 5000;
/** Darwin kernel major of macOS 13. */
const MIN_DARWIN = 22;

function nativeArch(hostArch: string): GuestArch {
  return hostArch === 'arm64' ? 'arm64' : 'amd64';
}

/**
 * Virtualization.framework through vfkit (Apple Silicon and Intel, macOS 13+), unprivileged. NAT
 * networking with a MAC derived from the uuid (so bootpd's lease and the IP stay stable), the
 * console in `log/console.log`, the share over virtio-fs, the Docker port over vsock (vfkit dials
 * the guest's dlite-mux for each connection to `dockerPort()`), control over the REST API.
 */
export class VfkitDriver extends ProcessDriver {
  readonly info: DriverInfo;
  private readonly sockets: VfkitSockets;
  private uuid: string | null = null;
  private binary: string | null = null;

  constructor(
    paths: DlitePaths,
    protected override readonly opts: VfkitDriverOptions = {},
  ) {
    super(paths, opts);
    this.info = {
      name: 'vfkit',
      features: {
        shareType: 'virtiofs',
        networkMode: 'vmnet',
        needsRoot: false,
        arches: [nativeArch(opts.hostArch ?? process.arch)],
        dockerPort: 'vsock',
        // vfkit's balloon does not hand pages back to macOS, and its REST API cannot save a VM.
        memoryReturn: 'none',
        suspend: false,
      },
    };
    this.sockets = vfkitSockets(paths);
  }

  protected get stderrLog(): string {
    return path.join(this.paths.logDir, 'vfkit.log');
  }

  /** The REST API client of this VM's vfkit. */
  get rest(): VfkitRest {
    return new VfkitRest(this.sockets.rest);
  }

  /** Refuses off macOS 13+, without vfkit, for a kernel it cannot boot and for values it cannot parse. */
  async validate(cfg: VmConfig): Promise<void> {
    const platform = this.opts.platform ?? process.platform;
    if (platform !== 'darwin') {
      throw new DriverError(
        'driver-unavailable',
        `vfkit runs only on macOS 13 or later; this is ${platform} (use qemu)`,
      );
    }
    const darwin = Number.parseInt((this.opts.osRelease ?? os.release()).split('.')[0] ?? '', 10);
    if (!(darwin >= MIN_DARWIN)) {
      throw new DriverError(
        'driver-unavailable',
        'vfkit needs macOS 13 or later; use xhyve or qemu on this Mac',
      );
    }
    if (!this.info.features.arches.includes(cfg.arch)) {
      throw new DriverError(
        'driver-unavailable',
        `vfkit boots ${this.info.features.arches[0]} guests here, not ${cfg.arch}`,
      );
    }
    let found;
    try {
      found = await findBinary({
        name: 'vfkit',
        setting: this.opts.binary,
        settingName: 'vfkit_binary',
        resourcesDir: this.opts.resourcesDir ?? null,
        env: this.opts.env ?? process.env,
      });
    } catch (e) {
      throw new DriverError('driver-unavailable', (e as Error).message);
    }
    if (!found) {
      throw new DriverError(
        'driver-unavailable',
        'vfkit was not found (vfkit_binary, the app bundle, PATH, /opt/homebrew/bin, /usr/local/bin): brew install vfkit',
      );
    }
    this.binary = found.path;
    const problem = await kernelProblem(cfg.kernelPath, cfg.arch);
    if (problem) throw new DriverError('driver-failed', problem);
    try {
      this.args(cfg);
    } catch (e) {
      throw new DriverError('driver-failed', (e as Error).message);
    }
    this.uuid = cfg.uuid;
    this.mac = macFromUuid(cfg.uuid);
  }

  private args(cfg: VmConfig): string[] {
    return buildVfkitArgs({
      cpus: cfg.cpus,
      memoryMiB: cfg.memoryGiB * 1024,
      kernel: cfg.kernelPath,
      initrd: cfg.initrdPath,
      cmdline: cfg.cmdline,
      disk: this.paths.disk,
      mac: macFromUuid(cfg.uuid),
      consoleLog: this.paths.consoleLog,
      share: cfg.share,
      restSocket: this.sockets.rest,
      dockerPort: { socket: this.sockets.dockerPort, port: DOCKER_VSOCK_PORT },
    });
  }

  protected async launch(cfg: VmConfig): Promise<HypervisorProcess> {
    await ensureSocketDir(this.sockets.dir);
    const args = this.args(cfg);
    const vm = await HypervisorProcess.spawn({
      command: this.binary!,
      args,
      stdoutFile: this.stderrLog,
      stderrFile: this.stderrLog,
      env: this.opts.env ?? process.env,
    });
    const deadline = Date.now() + REST_READY_MS;
    for (;;) {
      if (vm.isGone || (await vm.waitExit(0))) {
        const exit = await vm.exited;
        throw new DriverError(
          'driver-failed',
          `vfkit exited during start: ${exit.stderrTail.at(-1) ?? `exit code ${String(exit.code)}`}`,
          vm.command,
        );
      }
      const state = await this.rest.state().catch(() => 'gone' as const);
      if (state !== 'gone') return vm;
      if (Date.now() > deadline) {
        vm.kill('SIGKILL');
        throw new DriverError(
          'timeout',
          `vfkit did not open its REST socket ${this.sockets.rest} within 30 s`,
          vm.command,
        );
      }
      await sleep(100);
    }
  }

  /** `POST /vm/state Stop`, then `GET /vm/state` every 500 ms until it is gone or stopped. */
  protected async gracefulStop(vm: HypervisorProcess, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const asked = await this.rest.setState('Stop').catch((e: Error) => {
      this.opts.log?.(`vfkit: Stop was refused (${e.message})`);
      return 'refused' as const;
    });
    if (asked === 'gone') return vm.waitExit(FORCE_GRACE_MS);
    while (Date.now() < deadline) {
      if (await vm.waitExit(Math.min(STATE_POLL_MS, Math.max(0, deadline - Date.now())))) return true;
      const state = await this.rest.state().catch(() => null);
      if (state === 'gone' || state === 'Stopped') return vm.waitExit(FORCE_GRACE_MS);
    }
    return false;
  }

  /** `HardStop`, then SIGTERM (vfkit force-stops 5 s later), then SIGKILL. */
  protected async forceStop(vm: HypervisorProcess): Promise<void> {
    await this.rest.setState('HardStop').catch(() => undefined);
    if (await vm.waitExit(FORCE_GRACE_MS)) return;
    vm.kill('SIGTERM');
    if (await vm.waitExit(FORCE_GRACE_MS + 1000)) return;
    vm.kill('SIGKILL');
    await vm.waitExit(FORCE_GRACE_MS);
  }

  /** Running, or broken when vfkit says its VM is in the Error state or does not answer. */
  override async inspect(): Promise<DriverStatus> {
    const status = await super.inspect();
    if (status.state !== 'running') return status;
    const state = await this.rest.state().catch((e: Error) => `error: ${e.message}`);
    if (state === 'Error' || state === 'gone' || state.startsWith('error')) {
      return { ...status, state: 'broken', reason: `vfkit REST API: ${state}` };
    }
    return status;
  }

  /** vfkit listens here and dials the guest's vsock port {@link DOCKER_VSOCK_PORT} per connection. */
  dockerPort(): string {
    return this.sockets.dockerPort;
  }

  protected leaseQuery(): LeaseQuery {
    const uuid = this.uuid ?? this.opts.uuid;
    return {
      ...(uuid ? { name: uuid, mac: macFromUuid(uuid) } : {}),
      ...(this.mac ? { mac: this.mac } : {}),
    };
  }

  protected isOurProcess(cmdline: string): boolean {
    return /vfkit/.test(cmdline) && cmdline.includes(`virtio-blk,path=${this.paths.disk}`);
  }

  protected interpretExit(raw: RawExit, stopRequested: boolean): ExitInfo {
    const said = raw.stderrTail.at(-1);
    const clean = raw.code === null ? raw.signal === null && stopRequested : raw.code === 0;
    const reason = clean
      ? 'the guest powered off'
      : raw.signal
        ? `vfkit was killed by ${raw.signal}`
        : `vfkit exited with code ${String(raw.code)}${said ? `: ${said}` : ''}`;
    return { code: raw.code, signal: raw.signal, clean, stderrTail: raw.stderrTail, reason };
  }

  protected override async removeRunFiles(): Promise<void> {
    await super.removeRunFiles();
    await rm(this.sockets.rest, { force: true });
    await rm(this.sockets.dockerPort, { force: true });
  }
}
