import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import type { DlitePaths } from '../../paths.js';
import { DriverError } from '../driver.js';
import { VIRTIOFS_IDS, virtiofsDeviceProps } from './qemu-args.js';
import type { QmpClient, QmpEvent } from './qmp.js';
import { savedStatePaths } from './saved-state.js';
import { encodeCommand, type StateCompressor } from './state-codec.js';
import type { QemuVm } from './vm-handle.js';

/** Milliseconds the guest gets to release the virtiofs device after `device_del`. */
const UNPLUG_MS = 10_000;
/** Milliseconds between `query-migrate` / `query-status` polls. */
const POLL_MS = 100;

interface MigrateStatus {
  readonly status: string;
  readonly 'error-desc'?: string;
  /** Bytes of guest RAM put into the stream (zero pages count as a flag each). */
  readonly ram?: { readonly transferred: number };
}

/** What {@link saveVm} wrote. */
export interface SavedVm {
  /** The state file's allocated bytes on disk (compressed). */
  readonly stateBytes: number;
  /** Bytes of the migration stream before compression (as QEMU counts its RAM part). */
  readonly streamBytes: number;
}

function waitEvent(
  qmp: QmpClient,
  name: string,
  timeoutMs: number,
  match: (ev: QmpEvent) => boolean,
): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    const onEvent = (ev: QmpEvent): void => {
      if (match(ev)) done(true);
    };
    const done = (v: boolean): void => {
      clearTimeout(timer);
      qmp.off(name, onEvent);
      qmp.off('close', onClose);
      resolve(v);
    };
    const onClose = (): void => done(false);
    qmp.on(name, onEvent);
    qmp.once('close', onClose);
  });
}

/**
 * Takes the virtiofs device out (QEMU 7.2 cannot save vhost-user-fs: "State blocked by
 * non-migratable device"). The guest MUST have unmounted the share. ACPI hotplug releases it in
 * tens of milliseconds here.
 */
export async function unplugVirtiofs(qmp: QmpClient): Promise<void> {
  // One event for the device's virtio backend, then one naming the device itself.
  const deleted = waitEvent(
    qmp,
    'DEVICE_DELETED',
    UNPLUG_MS,
    (ev) => ev.data?.['device'] === VIRTIOFS_IDS.device,
  );
  await qmp.execute('device_del', { id: VIRTIOFS_IDS.device });
  if (!(await deleted)) {
    throw new DriverError('driver-failed', 'the guest did not release the virtiofs device');
  }
  await qmp.execute('chardev-remove', { id: VIRTIOFS_IDS.chardev });
}

/** Plugs the virtiofs device back (after a restore, or when virtiofsd was restarted). */
export async function plugVirtiofs(qmp: QmpClient, socket: string, tag: string): Promise<void> {
  await qmp.execute('chardev-add', {
    id: VIRTIOFS_IDS.chardev,
    backend: { type: 'socket', data: { addr: { type: 'unix', data: { path: socket } }, server: false } },
  });
  await qmp.execute('device_add', virtiofsDeviceProps(tag));
}

/**
 * Saves the paused VM to `suspend/vm.state` through `compressor` and quits QEMU. The VM is paused
 * first (`stop`), so the disk is not written after the moment saved. The state is written to a
 * temporary name and renamed when complete. On failure the VM runs on (`cont`) and the partial file
 * is removed.
 */
export async function saveVm(
  vm: QemuVm,
  paths: DlitePaths,
  compressor: StateCompressor,
  timeoutMs: number,
): Promise<SavedVm> {
  const qmp = await vm.qmpClient();
  if (!qmp) throw new DriverError('driver-failed', 'QEMU does not answer on QMP');
  const file = savedStatePaths(paths).state;
  const partial = `${file}.partial`;
  await mkdir(paths.suspendDir, { recursive: true, mode: 0o700 });
  await rm(partial, { force: true });
  await qmp.execute('stop');
  let streamBytes = 0;
  try {
    await qmp.execute('migrate', { uri: `exec:${encodeCommand(compressor, partial)}` });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await qmp.execute<MigrateStatus>('query-migrate');
      if (s.status === 'completed') {
        streamBytes = s.ram?.transferred ?? 0;
        break;
      }
      if (s.status === 'failed' || s.status === 'cancelled') {
        throw new DriverError('driver-failed', `saving the VM failed: ${s['error-desc'] ?? s.status}`);
      }
      if (Date.now() > deadline) {
        await qmp.execute('migrate_cancel').catch(() => undefined);
        throw new DriverError('timeout', `saving the VM took longer than ${timeoutMs / 1000} s`);
      }
      await sleep(POLL_MS);
    }
  } catch (e) {
    await rm(partial, { force: true });
    await qmp.execute('cont').catch(() => undefined);
    throw e;
  }
  vm.markForced();
  await qmp.quit().catch(() => undefined);
  if (!(await vm.waitExit(10_000))) vm.kill('SIGKILL');
  await vm.exited;
  await rename(partial, file);
  return { stateBytes: (await stat(file)).blocks * 512, streamBytes };
}

/**
 * After QEMU started with `-incoming`: waits until the state is loaded (status leaves
 * `inmigrate`), runs `onLoaded` (the caller drops the saved state: it is used once), then resumes
 * the guest. Rejects when QEMU exits or the load fails.
 */
export async function finishRestore(
  vm: QemuVm,
  timeoutMs: number,
  onLoaded: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const qmp = await vm.qmpClient();
    if (!qmp) throw new DriverError('driver-failed', 'QEMU exited while loading the saved VM');
    const s = await qmp.queryStatus();
    if (s.status === 'paused' || s.status === 'postmigrate' || s.running) {
      await onLoaded();
      if (!s.running) await qmp.execute('cont');
      return;
    }
    if (s.status !== 'inmigrate') {
      throw new DriverError('driver-failed', `loading the saved VM left QEMU ${s.status}`);
    }
    if (Date.now() > deadline) throw new DriverError('timeout', 'loading the saved VM took too long');
    await sleep(POLL_MS);
  }
}

/** `query-balloon` */
interface BalloonInfo {
  readonly actual: number;
}

async function balloonTo(
  qmp: QmpClient,
  bytes: number,
  done: (actual: number) => boolean,
  ms: number,
): Promise<number> {
  await qmp.execute('balloon', { value: bytes });
  const deadline = Date.now() + ms;
  let last = -1;
  let still = 0;
  for (;;) {
    const { actual } = await qmp.execute<BalloonInfo>('query-balloon');
    if (done(actual) || Date.now() > deadline) return actual;
    // The guest gives what it can spare; stop waiting once it has not moved for 5 s.
    still = actual === last ? still + 1 : 0;
    if (still >= 25) return actual;
    last = actual;
    await sleep(200);
  }
}

/**
 * Gives the guest's free memory back to the host where it is still resident. Loading a saved VM writes
 * every page of the guest memory, and the guest, which had reported its free pages before the save,
 * would not report them again; after a boot, free page reporting hands over whole 2 MiB blocks only,
 * so the pages touched while booting and freed since, scattered among used ones, stay resident.
 * Inflating the balloon over the free memory makes the guest hand those pages over one by one (QEMU
 * discards them); deflating gives them back to the guest as fresh, unbacked pages. `deflate-on-oom`
 * lets the guest take pages back under pressure. Resolves with the balloon's lowest size, bytes.
 */
export async function returnFreeMemory(
  qmp: QmpClient,
  totalBytes: number,
  freeBytes: number,
): Promise<number> {
  const keep = Math.max(256 * 2 ** 20, totalBytes - freeBytes + 64 * 2 ** 20);
  if (keep >= totalBytes) return totalBytes;
  try {
    return await balloonTo(qmp, keep, (a) => a <= keep + 16 * 2 ** 20, 60_000);
  } finally {
    await balloonTo(qmp, totalBytes, (a) => a >= totalBytes - 2 ** 20, 30_000);
  }
}
