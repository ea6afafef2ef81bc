import { mkdir, readdir, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';

import type { ProgressDto } from '../../shared/types.js';
import type { GuestArch } from '../drivers/driver.js';
import type { DlitePaths } from '../paths.js';
import { downloadFile, type DownloadOptions } from './download.js';
import { fetchIndexText } from './http.js';
import { OsImageError, readManifest, verifyImageDir, type OsManifest } from './manifest.js';
import {
  parseReleaseIndex,
  resolveFileUrl,
  selectRelease,
  type ReleaseEntry,
  type Selection,
} from './release-index.js';
import { activate, activeImages, installedImages, placeVersion } from './store.js';
import { TransferMeter } from './transfer-meter.js';
import { compareReleaseVersions } from './release-version.js';

/** Progress events of a download are sent at most this often (ms). */
const PROGRESS_EVERY_MS = 250;

export const RELEASE_STEPS = [
  { step: 'fetch-index', description: 'Fetching the release index' },
  { step: 'download', description: 'Downloading' },
  { step: 'verify', description: 'Checking the files' },
  { step: 'activate', description: 'Switching the active version' },
] as const;

export interface ReleaseContext {
  readonly paths: DlitePaths;
  readonly arch: GuestArch;
  /** This Dlite's version (releases state the oldest Dlite they boot with). */
  readonly dliteVersion: string;
  readonly operation: 'install' | 'update';
  readonly onProgress?: (p: ProgressDto) => void;
  readonly signal?: AbortSignal;
  /** Versions pruning must keep: the one a running VM booted. */
  readonly keep?: readonly string[];
  /** Never switch to a version older than this one (the active version, when updating to `latest`). */
  readonly notOlderThan?: string;
  /** Retry and timeout tuning of each file's download. */
  readonly download?: Pick<DownloadOptions, 'retries' | 'idleTimeoutMs' | 'retryDelayMs'>;
}

export interface ReleaseCheck {
  readonly selection: Selection;
  readonly indexUrl: string;
}

export interface ReleaseInstall {
  readonly version: string;
  readonly previous: string | null;
  /** `installed`: downloaded; `switched`: it was on disk; `unchanged`: it was active already. */
  readonly status: 'installed' | 'switched' | 'unchanged';
  readonly skipped: readonly string[];
}

function emitter(ctx: ReleaseContext) {
  return (index: number, description: string, transfer?: ProgressDto['transfer']): void => {
    const s = RELEASE_STEPS[index];
    if (s === undefined || ctx.onProgress === undefined) return;
    ctx.onProgress({
      operation: ctx.operation,
      step: s.step,
      description,
      current: index + 1,
      max: RELEASE_STEPS.length,
      ...(transfer ? { transfer } : {}),
    });
  };
}

/** Fetches and parses the index at `indexUrl` and selects `want` (`latest` or a version) for this machine. */
export async function checkRelease(
  indexUrl: string,
  want: string,
  ctx: ReleaseContext,
): Promise<ReleaseCheck> {
  const text = await fetchIndexText(indexUrl, ctx.signal);
  const index = parseReleaseIndex(text, indexUrl);
  return {
    indexUrl,
    selection: selectRelease(index, { arch: ctx.arch, dliteVersion: ctx.dliteVersion, want }),
  };
}

/** True when an installed manifest lists exactly the bytes the release entry lists. */
function matches(manifest: OsManifest, entry: ReleaseEntry): boolean {
  return Object.entries(manifest.files).every(([name, f]) =>
    entry.files.some((e) => e.name === name && e.size === f.size && e.sha256 === f.sha256),
  );
}

/** Bytes already in `<dir>/<name>.partial` or `<dir>/<name>` for every file. */
async function bytesOnDisk(dir: string, entry: ReleaseEntry): Promise<number> {
  let sum = 0;
  for (const f of entry.files) {
    for (const name of [f.name, `${f.name}.partial`]) {
      sum += await stat(path.join(dir, name)).then(
        (s) => Math.min(s.size, f.size),
        () => 0,
      );
    }
  }
  return sum;
}

async function ensureSpace(dir: string, needed: number): Promise<void> {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (free < needed) {
    throw new OsImageError(
      'disk-full',
      `Not enough space in ${dir}: the download needs ${needed} bytes, ${free} are free`,
      { file: dir, needed, free },
    );
  }
}

/** The downloaded manifest must describe the release the index promised, file for file. */
function checkManifest(manifest: OsManifest, entry: ReleaseEntry, source: string): void {
  if (manifest.version !== entry.version || manifest.arch !== entry.arch) {
    throw new OsImageError(
      'os-incompatible',
      `${source}: manifest.json describes ${manifest.version} for ${manifest.arch}, the release index ${entry.version} for ${entry.arch}`,
    );
  }
  for (const [name, f] of Object.entries(manifest.files)) {
    const listed = entry.files.find((e) => e.name === name);
    if (listed === undefined || listed.sha256 !== f.sha256 || listed.size !== f.size) {
      throw new OsImageError(
        'image-digest-mismatch',
        `${source}: manifest.json and the release index disagree about ${name}`,
        { file: name },
      );
    }
  }
}

/**
 * Downloads every file of `entry` into `os/.download-<version>/` (resuming what an earlier run
 * left), each verified by size and sha256 against the index, then checks the manifest against
 * the index and moves the folder into place as `os/<version>/`. Nothing active is touched.
 */
async function download(entry: ReleaseEntry, indexUrl: string, ctx: ReleaseContext): Promise<void> {
  const emit = emitter(ctx);
  const staging = path.join(ctx.paths.osDir, `.download-${entry.version}`);
  await mkdir(staging, { recursive: true, mode: 0o700 });
  const total = entry.files.reduce((n, f) => n + f.size, 0);
  await ensureSpace(staging, total - (await bytesOnDisk(staging, entry)));
  const meter = new TransferMeter(total);
  let before = 0;
  const label = `Downloading DhyveOS ${entry.version}`;
  for (const file of entry.files) {
    let last = 0;
    const send = (force: boolean): void => {
      const at = Date.now();
      if (!force && at - last < PROGRESS_EVERY_MS) return;
      last = at;
      emit(1, `${label} (${file.name})`, meter.snapshot(file.name));
    };
    send(true);
    await downloadFile(
      {
        url: resolveFileUrl(indexUrl, file),
        name: file.name,
        size: file.size,
        sha256: file.sha256,
        dest: path.join(staging, file.name),
      },
      {
        ...ctx.download,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onBytes: (bytes) => {
          meter.update(before + bytes);
          send(false);
        },
      },
    );
    before += file.size;
    meter.update(before);
    send(true);
  }
  emit(2, `Checking DhyveOS ${entry.version}`);
  const manifest = await readManifest(staging);
  checkManifest(manifest, entry, indexUrl);
  await verifyImageDir(staging, manifest, { digests: false });
  const listed = new Set(entry.files.map((f) => f.name));
  // Left by an earlier attempt at an index that listed other files.
  for (const name of await readdir(staging)) {
    if (!listed.has(name)) await rm(path.join(staging, name), { recursive: true, force: true });
  }
  await placeVersion(ctx.paths, staging, manifest);
}

/**
 * Installs `want` (`latest`: the newest release for this arch that this Dlite supports; or an
 * exact version) from the release index at `indexUrl`, and makes it active. A version already
 * installed with the same files is only switched to. The `current` pointer is written last, so
 * every failure (unreachable, HTTP error, bad index, unknown version, other arch, size or sha256
 * mismatch, disk full) leaves the active version untouched; it throws an {@link OsImageError}.
 */
export async function installRelease(
  indexUrl: string,
  want: string,
  ctx: ReleaseContext,
): Promise<ReleaseInstall> {
  const emit = emitter(ctx);
  emit(0, `Fetching the release index ${indexUrl}`);
  await mkdir(ctx.paths.osDir, { recursive: true, mode: 0o700 });
  const { selection } = await checkRelease(indexUrl, want, ctx);
  const { entry, skipped } = selection;
  if (ctx.notOlderThan !== undefined && compareReleaseVersions(entry.version, ctx.notOlderThan) < 0) {
    const { previous } = await activeImages(ctx.paths, ctx.arch);
    return {
      version: ctx.notOlderThan,
      previous: previous?.manifest.version ?? null,
      status: 'unchanged',
      skipped,
    };
  }
  const present = (await installedImages(ctx.paths, ctx.arch)).find(
    (i) => i.manifest.version === entry.version,
  );
  let status: ReleaseInstall['status'] = 'switched';
  if (present === undefined || !matches(present.manifest, entry)) {
    await download(entry, indexUrl, ctx);
    status = 'installed';
  }
  emit(3, `Switching to DhyveOS ${entry.version}`);
  const switched = await activate(ctx.paths, ctx.arch, entry.version, ctx.keep ?? []);
  if (!switched.changed && status === 'switched') status = 'unchanged';
  return { version: entry.version, previous: switched.previous, status, skipped };
}
