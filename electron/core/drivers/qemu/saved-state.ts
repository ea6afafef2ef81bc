import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

import type { DlitePaths } from '../../paths.js';
import type { VmConfig } from '../driver.js';
import type { StateCodec } from './state-codec.js';

/** Identity of a file: a changed size, modification time or inode means different content. */
export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

/** `suspend/vm.json`: what a saved VM (`suspend/vm.state`) is only valid together with. */
export interface SavedStateManifest {
  readonly version: 1;
  /** ISO 8601 */
  readonly savedAt: string;
  /** sha256 of everything that shapes the VM's hardware and boot ({@link stateFingerprint}). */
  readonly fingerprint: string;
  /** The disk image as the hypervisor left it: any later write invalidates the state. */
  readonly disk: FileStamp;
  /** The ssh port forwarded at save time; reused when it is free. */
  readonly sshPort: number;
  /** The share was virtiofs: its device was unplugged before the save and is plugged back after. */
  readonly virtiofs: boolean;
  /** How the state file is compressed (`none` when a manifest predates compression). */
  readonly codec: StateCodec;
}

/** The files of a saved VM. */
export function savedStatePaths(paths: DlitePaths): { state: string; manifest: string } {
  return { state: path.join(paths.suspendDir, 'vm.state'), manifest: path.join(paths.suspendDir, 'vm.json') };
}

/** Stamps `file`; null when it is missing. */
export async function fileStamp(file: string): Promise<FileStamp | null> {
  try {
    const s = await stat(file);
    return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
  } catch {
    return null;
  }
}

/** Everything a saved VM depends on besides the disk (the stamps are of the files named in it). */
export interface FingerprintInputs {
  readonly cfg: VmConfig;
  readonly binary: { readonly path: string; readonly stamp: FileStamp | null };
  readonly kernel: FileStamp | null;
  readonly initrd: FileStamp | null;
  readonly accel: string;
  /** The share's transport (`virtiofs`, `9p`) or null without a share. */
  readonly shareType: string | null;
  /** The disk image the VM runs on. */
  readonly disk: string;
}

/**
 * A digest of the VM's hardware and boot inputs. The kernel command line counts without its
 * `dlite.time=` (the boot clock, new on every start); any other change (CPUs, memory, share, host
 * name, DNS, the SSH key, the OS image, QEMU itself) gives another digest. Pure.
 */
export function stateFingerprint(i: FingerprintInputs): string {
  const { cfg } = i;
  const canonical = JSON.stringify({
    uuid: cfg.uuid,
    cpus: cfg.cpus,
    memoryGiB: cfg.memoryGiB,
    arch: cfg.arch,
    dockerTcp: cfg.dockerTcp,
    share: cfg.share,
    shareType: i.shareType,
    cmdline: cfg.cmdline.replace(/(^|\s)dlite\.time=\S*/g, ''),
    kernel: [cfg.kernelPath, i.kernel],
    initrd: [cfg.initrdPath, i.initrd],
    disk: i.disk,
    binary: [i.binary.path, i.binary.stamp],
    accel: i.accel,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Why `saved` cannot be resumed with the current `fingerprint` and disk, or null when it can.
 * Pure.
 */
export function staleReason(
  saved: SavedStateManifest,
  fingerprint: string,
  disk: FileStamp | null,
): string | null {
  if (saved.fingerprint !== fingerprint) {
    return 'the settings, the OS image or QEMU changed since the VM was saved';
  }
  if (disk === null) return 'the disk image is gone';
  if (disk.ino !== saved.disk.ino || disk.size !== saved.disk.size || disk.mtimeMs !== saved.disk.mtimeMs) {
    return 'the disk image changed since the VM was saved';
  }
  return null;
}

/** Reads `suspend/vm.json`; null when missing or not a manifest this build wrote. */
export async function readManifest(paths: DlitePaths): Promise<SavedStateManifest | null> {
  try {
    const v = JSON.parse(await readFile(savedStatePaths(paths).manifest, 'utf8')) as SavedStateManifest;
    const ok =
      v.version === 1 &&
      typeof v.fingerprint === 'string' &&
      typeof v.sshPort === 'number' &&
      typeof v.disk?.mtimeMs === 'number' &&
      typeof v.disk.size === 'number' &&
      typeof v.disk.ino === 'number';
    const codec: StateCodec = v.codec ?? 'none';
    if (!ok || !['zstd', 'gzip', 'none'].includes(codec)) return null;
    return { ...v, virtiofs: v.virtiofs === true, codec };
  } catch {
    return null;
  }
}

/** Writes `suspend/vm.json` atomically (after the state file is complete). */
export async function writeManifest(paths: DlitePaths, m: SavedStateManifest): Promise<void> {
  const file = savedStatePaths(paths).manifest;
  await mkdir(paths.suspendDir, { recursive: true, mode: 0o700 });
  await writeFile(`${file}.tmp`, `${JSON.stringify(m, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/** Removes the saved VM (manifest first, so a half-removed state is never taken as valid). Idempotent. */
export async function removeSavedState(paths: DlitePaths): Promise<void> {
  const p = savedStatePaths(paths);
  await rm(p.manifest, { force: true });
  await rm(`${p.manifest}.tmp`, { force: true });
  await rm(p.state, { force: true });
}

/** Allocated bytes of the state file, or null when there is no complete saved state. */
export async function savedStateSize(paths: DlitePaths): Promise<number | null> {
  if ((await readManifest(paths)) === null) return null;
  try {
    const s = await stat(savedStatePaths(paths).state);
    return s.blocks * 512;
  } catch {
    return null;
  }
}
