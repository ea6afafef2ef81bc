import { constants } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import type { DlitePaths } from '../../paths.js';
import { formatCommand } from '../../process/command-format.js';
import { spawnDetached } from '../../process/supervised.js';
import { DriverError, type ExitInfo, type VmConfig } from '../driver.js';
import type { Accelerator } from './accel.js';
import { buildQemuArgs } from './qemu-args.js';
import { freePort, portFree } from './net.js';
import { QmpClient } from './qmp.js';
import { qemuLogPath, rotateLog } from './run-state.js';
import { QemuVm } from './vm-handle.js';

/** Milliseconds QEMU gets to bring up its QMP socket after spawning. */
const QMP_READY_MS = 30_000;
/** Milliseconds QEMU gets to exit after QMP `quit` before SIGKILL. */
const QUIT_GRACE_MS = 3000;
/** Milliseconds between power-button presses while waiting for a graceful stop. */
const REPRESS_MS = 5000;
/**
 * How long a QEMU whose QMP connection went away is given to be seen gone before the shutdown
 * counts as forced: QMP closes with QEMU itself, and an adopted QEMU's exit is noticed by polling.
 */
const EXIT_NOTICE_MS = 1000;
/** Spawn attempts when the picked ssh port was taken in the meantime. */
const PORT_ATTEMPTS = 3;

export interface LaunchOptions {
  readonly binary: string;
  readonly accel: Accelerator;
  readonly hostArch: string;
  readonly cfg: VmConfig;
  readonly paths: DlitePaths;
  readonly signal: AbortSignal;
  /** Runs once when the launched QEMU ends, before its `exited` settles (driver clean-up). */
  readonly onExit: (vm: QemuVm) => Promise<void>;
  /** Share over virtiofs through virtiofsd on this socket (it MUST be listening), else 9p. */
  readonly virtiofsSocket?: string;
  /**
   * Load a saved VM instead of booting: the shell command that writes its state to stdout, and the
   * ssh port to try first.
   */
  readonly incoming?: { readonly command: string; readonly sshPort: number };
}

/**
 * Rotates the console and QEMU logs (previous boot → `.1`), spawns QEMU detached on a free ssh port
 * and resolves once its QMP socket answers. Retries with another port when the picked one was taken
 * meanwhile. Throws DriverError('driver-failed') with QEMU's last stderr line and the command when it
 * exits during start, 'cancelled'/'timeout' otherwise; no QEMU is left running when it throws.
 */
export async function launchQemu(o: LaunchOptions): Promise<{ vm: QemuVm; sshPort: number }> {
  const logPath = qemuLogPath(o.paths);
  // A resumed guest continues its console where it left it.
  if (!o.incoming) await rotateLog(o.paths.consoleLog);
  await rotateLog(logPath);
  // QEMU maps its initramfs for as long as it runs (to load it again on a reset, which -no-reboot
  // rules out): give it a copy that can be emptied once the guest has booted.
  await copyFile(o.cfg.initrdPath, o.paths.bootInitrd, constants.COPYFILE_FICLONE);
  const cfg = { ...o.cfg, initrdPath: o.paths.bootInitrd };
  for (let attempt = 1; ; attempt++) {
    const sshPort =
      attempt === 1 && o.incoming && (await portFree(o.incoming.sshPort))
        ? o.incoming.sshPort
        : await freePort();
    const args = buildQemuArgs(cfg, {
      accel: o.accel,
      sshPort,
      hostArch: o.hostArch,
      qmpSocket: o.paths.qmpSocket,
      disk: o.paths.disk,
      dockerPortSocket: o.paths.dockerPortSocket,
      consoleLog: o.paths.consoleLog,
      pidfile: o.paths.vmPid,
      ...(o.virtiofsSocket ? { virtiofsSocket: o.virtiofsSocket } : {}),
      ...(o.incoming ? { incomingCommand: o.incoming.command, virtiofsUnplugged: true } : {}),
    });
    const child = await spawnDetached(o.binary, args, { logPath });
    const vm: QemuVm = new QemuVm(child.pid, o.paths.qmpSocket, { kind: 'child', exit: child.exited }, () =>
      o.onExit(vm),
    );
    try {
      if (await waitQmp(vm, o.paths.qmpSocket, o.signal)) return { vm, sshPort };
    } catch (e) {
      vm.kill('SIGKILL');
      await vm.exited;
      throw e;
    }
    const exit = await vm.exited;
    const portTaken = exit.stderrTail.some((l) => l.includes(`127.0.0.1:${sshPort}-`));
    if (!portTaken || attempt >= PORT_ATTEMPTS) {
      const last = exit.stderrTail.at(-1) ?? `exit code ${exit.code}`;
      throw new DriverError(
        'driver-failed',
        `QEMU exited during start: ${last}`,
        formatCommand(o.binary, args),
      );
    }
  }
}

/** Connects QMP to a just-spawned QEMU; false when QEMU died first. */
async function waitQmp(vm: QemuVm, socket: string, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + QMP_READY_MS;
  while (!vm.isGone) {
    if (signal.aborted) throw new DriverError('cancelled', 'start cancelled');
    if (Date.now() > deadline) {
      throw new DriverError('timeout', `QEMU did not open its QMP socket within ${QMP_READY_MS / 1000} s`);
    }
    const client = await QmpClient.connect(socket, { timeoutMs: 2000 }).catch(() => null);
    if (client) {
      vm.attachQmp(client);
      return true;
    }
    await Promise.race([sleep(100), vm.exited]);
  }
  return false;
}

/**
 * Lima's shutdown: QMP `system_powerdown` (pressed again every {@link REPRESS_MS}, since a press
 * before the guest's acpid runs is lost) for up to timeoutMs, then QMP `quit`, then SIGKILL.
 * Resolves with the exit; `clean` is true only when the guest powered itself off (a press that
 * fails because QMP already closed with the exiting QEMU does not make it forced).
 */
export async function shutdownQemu(vm: QemuVm, timeoutMs: number): Promise<ExitInfo> {
  const qmp = await vm.qmpClient();
  const deadline = Date.now() + timeoutMs;
  while (
    qmp &&
    (await qmp.systemPowerdown().then(
      () => true,
      () => false,
    ))
  ) {
    const left = deadline - Date.now();
    if (await vm.waitExit(Math.min(REPRESS_MS, Math.max(0, left)))) return vm.exited;
    if (left <= REPRESS_MS) break;
  }
  if (await vm.waitExit(EXIT_NOTICE_MS)) return vm.exited;
  vm.markForced();
  if (qmp && !qmp.isClosed) await qmp.quit().catch(() => undefined);
  if (await vm.waitExit(QUIT_GRACE_MS)) return vm.exited;
  vm.kill('SIGKILL');
  return vm.exited;
}
