import { randomBytes } from 'node:crypto';
import { open, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

import semver from 'semver';

import type { GuestArch } from '../drivers/driver.js';
import type { DlitePaths } from '../paths.js';
import { OsImageError, readManifest, type OsManifest } from './manifest.js';

/** An OS image installed under `~/.dlite/os/<version>/`. */
export interface OsImage {
  readonly dir: string;
  readonly manifest: OsManifest;
  readonly kernelPath: string;
  readonly initrdPath: string;
}

/** `os/current`: the active version and the one kept for rollback. Written last, atomically. */
export interface OsPointer {
  readonly version: string;
  readonly previous: string | null;
}

/** The name of the pointer file in `paths.osDir`. */
export const POINTER_FILE = 'current';
/** Prefixes of the store's working folders (never an installed version). */
export const STAGING_PREFIXES = ['.incoming-', '.download-', '.replaced-'] as const;

export function toImage(dir: string, manifest: OsManifest): OsImage {
  return {
    dir,
    manifest,
    kernelPath: path.join(dir, manifest.boot.kernel),
    initrdPath: path.join(dir, manifest.boot.initrd),
  };
}

/**
 * Orders versions by semver (`0.10.0` > `0.9.1`, `0.2.0-rc.1` < `0.2.0`); a version that is not
 * semver falls back to a numeric comparison of its dotted parts.
 */
export function compareVersions(a: string, b: string): number {
  const va = semver.valid(a);
  const vb = semver.valid(b);
  if (va !== null && vb !== null) return semver.compare(va, vb);
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Every folder of `paths.osDir` holding a readable manifest for `arch` (duplicates included). */
async function scan(paths: DlitePaths, arch: GuestArch): Promise<OsImage[]> {
  const entries = await readdir(paths.osDir, { withFileTypes: true }).catch(() => []);
  const found: OsImage[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dir = path.join(paths.osDir, entry.name);
    const manifest = await readManifest(dir).catch(() => null);
    if (manifest !== null && manifest.arch === arch) found.push(toImage(dir, manifest));
  }
  return found;
}

/**
 * Every installed version for `arch`, newest first. A folder is `os/<version>/`, or
 * `os/<version>-<arch>/` as earlier Dlite builds named it (the canonical name wins when both
 * exist); the manifest inside decides. Folders without a readable manifest, and the store's
 * working folders, are not versions.
 */
export async function installedImages(paths: DlitePaths, arch: GuestArch): Promise<OsImage[]> {
  const byVersion = new Map<string, OsImage>();
  for (const image of await scan(paths, arch)) {
    const canonical = path.basename(image.dir) === image.manifest.version;
    if (!byVersion.has(image.manifest.version) || canonical) byVersion.set(image.manifest.version, image);
  }
  return [...byVersion.values()].sort((a, b) => compareVersions(b.manifest.version, a.manifest.version));
}

/** The pointer, or null when there is none or it cannot be read (then the newest version is active). */
export async function readPointer(paths: DlitePaths): Promise<OsPointer | null> {
  try {
    const raw = JSON.parse(
      await readFile(path.join(paths.osDir, POINTER_FILE), 'utf8'),
    ) as Partial<OsPointer>;
    if (typeof raw.version !== 'string') return null;
    return { version: raw.version, previous: typeof raw.previous === 'string' ? raw.previous : null };
  } catch {
    return null;
  }
}

/** Writes the pointer atomically: a temp file, fsync, rename over `os/current`. */
export async function writePointer(paths: DlitePaths, pointer: OsPointer): Promise<void> {
  const file = path.join(paths.osDir, POINTER_FILE);
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(pointer)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export interface ActiveImages {
  /** What the next start boots: the pointer's version, else the newest installed; null when none. */
  readonly active: OsImage | null;
  /** The version kept for rollback, when it is still installed. */
  readonly previous: OsImage | null;
}

/** The active and previous versions for `arch` (a pointer naming a missing version is ignored). */
export async function activeImages(paths: DlitePaths, arch: GuestArch): Promise<ActiveImages> {
  const images = await installedImages(paths, arch);
  const pointer = await readPointer(paths);
  const find = (v: string | null | undefined) => images.find((i) => i.manifest.version === v) ?? null;
  const active = find(pointer?.version) ?? images[0] ?? null;
  const previous = find(pointer?.previous);
  return { active, previous: previous === active ? null : previous };
}

/** The installed image `version`, or the active one; throws `os-image-missing` when there is none. */
export async function locateInstalledImage(
  paths: DlitePaths,
  arch: GuestArch,
  version?: string,
): Promise<OsImage> {
  const found =
    version === undefined
      ? (await activeImages(paths, arch)).active
      : ((await installedImages(paths, arch)).find((i) => i.manifest.version === version) ?? null);
  if (!found) {
    throw new OsImageError(
      'os-image-missing',
      `No DhyveOS image${version ? ` ${version}` : ''} for ${arch} is installed; run 'dlite install'`,
    );
  }
  return found;
}

/**
 * Removes installed versions of `arch` that are not in `keep` (and older duplicates of kept ones),
 * and working folders untouched for {@link STALE_WORK_MS} (a partial download younger than that
 * may still be resumed). Versions of another arch are left alone. Answers the removed folders.
 */
export async function prune(
  paths: DlitePaths,
  arch: GuestArch,
  keep: ReadonlySet<string>,
): Promise<string[]> {
  const chosen = new Set((await installedImages(paths, arch)).map((i) => i.dir));
  const removed: string[] = [];
  for (const image of await scan(paths, arch)) {
    if (keep.has(image.manifest.version) && chosen.has(image.dir)) continue;
    await rm(image.dir, { recursive: true, force: true });
    removed.push(path.basename(image.dir));
  }
  for (const name of await readdir(paths.osDir).catch(() => [] as string[])) {
    const working =
      STAGING_PREFIXES.some((p) => name.startsWith(p)) || name.startsWith(`${POINTER_FILE}.tmp-`);
    if (working && (await lastTouched(path.join(paths.osDir, name))) < Date.now() - STALE_WORK_MS) {
      await rm(path.join(paths.osDir, name), { recursive: true, force: true });
    }
  }
  return removed;
}

/** Working folders untouched for this long belong to no running install (ms). */
export const STALE_WORK_MS = 60 * 60 * 1000;

/** The newest mtime of `p` and, for a folder, of the files directly in it (ms since the epoch). */
async function lastTouched(p: string): Promise<number> {
  const own = await stat(p).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const names = await readdir(p).catch(() => [] as string[]);
  const inner = await Promise.all(
    names.map((n) =>
      stat(path.join(p, n)).then(
        (s) => s.mtimeMs,
        () => 0,
      ),
    ),
  );
  return Math.max(own, ...inner);
}

export interface SwitchResult {
  readonly version: string;
  readonly previous: string | null;
  /** False when `version` was already active. */
  readonly changed: boolean;
}

/**
 * Makes the installed `version` active, keeping the one it replaces as previous, then prunes
 * every other version of `arch` except those in `keep` (e.g. the version a running VM booted).
 * The pointer is the only thing written before pruning, so a failure leaves a consistent store.
 */
export async function activate(
  paths: DlitePaths,
  arch: GuestArch,
  version: string,
  keep: readonly string[] = [],
): Promise<SwitchResult> {
  const target = await locateInstalledImage(paths, arch, version);
  const { active, previous } = await activeImages(paths, arch);
  const current = active?.manifest.version ?? null;
  const changed = current !== version;
  const pointer: OsPointer = changed
    ? { version, previous: current }
    : { version, previous: previous?.manifest.version ?? null };
  await writePointer(paths, pointer);
  const kept = [target.manifest.version, pointer.previous, ...keep].filter((v): v is string => v !== null);
  await prune(paths, arch, new Set(kept));
  return { ...pointer, changed };
}

/** Swaps the active and previous versions. Throws `os-version-not-found` when there is no previous one. */
export async function rollback(
  paths: DlitePaths,
  arch: GuestArch,
  keep: readonly string[] = [],
): Promise<SwitchResult> {
  const { active, previous } = await activeImages(paths, arch);
  if (previous === null) {
    throw new OsImageError(
      'os-version-not-found',
      `No previous DhyveOS version to roll back to${active ? ` (${active.manifest.version} is the only one installed)` : ''}`,
    );
  }
  return activate(paths, arch, previous.manifest.version, keep);
}

/**
 * Moves a verified folder (`staging`, inside `paths.osDir`) into place as `os/<version>/`. A
 * version already there with the same files stays and `staging` is removed; one with other files
 * (a rebuilt local image of the same version) is swapped out and deleted. Returns the image.
 */
export async function placeVersion(
  paths: DlitePaths,
  staging: string,
  manifest: OsManifest,
): Promise<OsImage> {
  const dest = path.join(paths.osDir, manifest.version);
  const existing = await readManifest(dest).catch(() => null);
  if (existing && JSON.stringify(existing.files) === JSON.stringify(manifest.files)) {
    await rm(staging, { recursive: true, force: true });
    return toImage(dest, existing);
  }
  let aside: string | null = null;
  if (
    existing !== null ||
    (await readdir(dest).then(
      () => true,
      () => false,
    ))
  ) {
    aside = path.join(paths.osDir, `.replaced-${randomBytes(4).toString('hex')}`);
    await rename(dest, aside);
  }
  await rename(staging, dest);
  if (aside !== null) await rm(aside, { recursive: true, force: true });
  return toImage(dest, manifest);
}
