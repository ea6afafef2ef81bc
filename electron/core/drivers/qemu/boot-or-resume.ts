import type { DlitePaths } from '../../paths.js';
import type { DetachedChild } from '../../process/supervised.js';
import { DriverError, type VmConfig } from '../driver.js';
import type { Accelerator } from './accel.js';
import { launchQemu } from './lifecycle.js';
import {
  fileStamp,
  readManifest,
  removeSavedState,
  savedStatePaths,
  staleReason,
  stateFingerprint,
  writeManifest,
} from './saved-state.js';
import { compressorFor, decodeCommand, pickCompressor } from './state-codec.js';
import { finishRestore, plugVirtiofs, saveVm, unplugVirtiofs, type SavedVm } from './suspend.js';
import { launchVirtiofsd } from './virtiofsd.js';
import type { QemuVm } from './vm-handle.js';

/** Milliseconds QEMU gets to load a saved VM before it boots cold instead. */
const RESTORE_MS = 60_000;

export interface BootOptions {
  readonly binary: string;
  readonly accel: Accelerator;
  readonly hostArch: string;
  readonly cfg: VmConfig;
  readonly paths: DlitePaths;
  readonly signal: AbortSignal;
  /** virtiofsd to share `cfg.share` with; null: 9p. */
  readonly virtiofsd: string | null;
  readonly onExit: (vm: QemuVm) => Promise<void>;
  readonly log: (line: string) => void;
}

export interface Booted {
  readonly vm: QemuVm;
  readonly sshPort: number;
  readonly virtiofsd: DetachedChild | null;
  readonly resumed: boolean;
}

async function fingerprint(
  o: Pick<BootOptions, 'binary' | 'accel' | 'cfg' | 'virtiofsd' | 'paths'>,
): Promise<string> {
  return stateFingerprint({
    cfg: o.cfg,
    binary: { path: o.binary, stamp: await fileStamp(o.binary) },
    kernel: await fileStamp(o.cfg.kernelPath),
    initrd: await fileStamp(o.cfg.initrdPath),
    accel: o.accel,
    shareType: o.cfg.share ? (o.virtiofsd ? 'virtiofs' : '9p') : null,
    disk: o.paths.disk,
  });
}

/**
 * The saved VM to continue, or null. A state that does not match this configuration, OS image,
 * QEMU or disk is removed (with the reason logged) so the VM boots cold: never an inconsistent VM.
 */
async function usableState(o: BootOptions): Promise<{ command: string; sshPort: number } | null> {
  const saved = await readManifest(o.paths);
  if (!saved) {
    await removeSavedState(o.paths);
    return null;
  }
  const decoder = await compressorFor(saved.codec);
  const why =
    staleReason(saved, await fingerprint(o), await fileStamp(o.paths.disk)) ??
    (decoder ? null : `it is compressed with ${saved.codec}, which is no longer installed`);
  if (why || !decoder) {
    o.log(`discarding the saved VM: ${why}; booting`);
    await removeSavedState(o.paths);
    return null;
  }
  return { command: decodeCommand(decoder, savedStatePaths(o.paths).state), sshPort: saved.sshPort };
}

/**
 * Starts the VM: continues a saved one when it is still valid, else boots. virtiofsd (when the share
 * is virtiofs) starts before QEMU. A saved VM is used once: it is removed as soon as QEMU has loaded
 * it; when loading fails, QEMU is killed and the VM boots cold.
 */
export async function bootOrResume(o: BootOptions): Promise<Booted> {
  const share = o.cfg.share;
  const virtiofs = share !== null && o.virtiofsd !== null;
  const incoming = await usableState(o);
  const fsd = virtiofs ? await launchVirtiofsd(o.virtiofsd, o.paths, share.hostPath) : null;
  const launch = (resume: typeof incoming) =>
    launchQemu({
      ...o,
      ...(virtiofs ? { virtiofsSocket: o.paths.virtiofsSocket } : {}),
      ...(resume ? { incoming: resume } : {}),
    });
  try {
    if (incoming) {
      const started = Date.now();
      const first = await launch(incoming);
      try {
        await finishRestore(first.vm, RESTORE_MS, () => removeSavedState(o.paths));
        if (virtiofs) {
          const qmp = await first.vm.qmpClient();
          if (!qmp) throw new DriverError('driver-failed', 'QEMU does not answer on QMP');
          await plugVirtiofs(qmp, o.paths.virtiofsSocket, share.tag);
        }
        o.log(`resumed the saved VM in ${Date.now() - started} ms`);
        return { ...first, virtiofsd: fsd, resumed: true };
      } catch (e) {
        o.log(`resuming the saved VM failed (${(e as Error).message}); booting`);
        first.vm.kill('SIGKILL');
        await first.vm.exited;
        await removeSavedState(o.paths);
        if (o.signal.aborted) throw e;
      }
    }
    return { ...(await launch(null)), virtiofsd: fsd, resumed: false };
  } catch (e) {
    if (fsd) killQuietly(fsd.pid);
    throw e;
  }
}

/**
 * Saves the running VM (see {@link saveVm}) and records what the state is valid with. The guest
 * MUST have unmounted the share. With virtiofs the device is unplugged first and plugged back if
 * the save fails (the VM then runs on).
 */
export async function suspendVm(
  vm: QemuVm,
  o: Pick<BootOptions, 'binary' | 'accel' | 'cfg' | 'paths' | 'virtiofsd'> & { sshPort: number },
  timeoutMs: number,
): Promise<SavedVm & { codec: string }> {
  const qmp = await vm.qmpClient();
  if (!qmp) throw new DriverError('driver-failed', 'QEMU does not answer on QMP');
  const virtiofs = o.cfg.share !== null && o.virtiofsd !== null;
  const print = await fingerprint(o);
  await removeSavedState(o.paths);
  if (virtiofs) await unplugVirtiofs(qmp);
  const compressor = await pickCompressor();
  let saved: SavedVm;
  try {
    saved = await saveVm(vm, o.paths, compressor, timeoutMs);
  } catch (e) {
    if (virtiofs && !vm.isGone) {
      await plugVirtiofs(qmp, o.paths.virtiofsSocket, o.cfg.share.tag).catch(() => undefined);
    }
    throw e;
  }
  const disk = await fileStamp(o.paths.disk);
  if (!disk) throw new DriverError('driver-failed', 'the disk image vanished while saving the VM');
  await writeManifest(o.paths, {
    version: 1,
    savedAt: new Date().toISOString(),
    fingerprint: print,
    disk,
    sshPort: o.sshPort,
    virtiofs,
    codec: compressor.codec,
  });
  return { ...saved, codec: compressor.codec };
}

/** SIGKILL, ignoring a process that is already gone. */
export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}
