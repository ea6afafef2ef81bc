import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import semver from 'semver';

import type { GuestArch } from '../drivers/driver.js';
import type { DlitePaths } from '../paths.js';
import { OsImageError, readManifest, verifyImageDir, type OsManifest } from './manifest.js';

/** An OS image installed under `~/.dlite/os/<version>-<arch>/`. */
export interface OsImage {
  readonly dir: string;
  readonly manifest: OsManifest;
  readonly kernelPath: string;
  readonly initrdPath: string;
}

function toImage(dir: string, manifest: OsManifest): OsImage {
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

/** The installed image for `arch` (`version`, or the newest); throws `os-image-missing` when none. */
export async function locateInstalledImage(
  paths: DlitePaths,
  arch: GuestArch,
  version?: string,
): Promise<OsImage> {
  const entries = await readdir(paths.osDir).catch(() => [] as string[]);
  const candidates: OsImage[] = [];
  for (const entry of entries) {
    if (!entry.endsWith(`-${arch}`)) continue;
    const dir = path.join(paths.osDir, entry);
    const manifest = await readManifest(dir).catch(() => null);
    if (manifest && manifest.arch === arch && (version === undefined || manifest.version === version)) {
      candidates.push(toImage(dir, manifest));
    }
  }
  candidates.sort((a, b) => compareVersions(b.manifest.version, a.manifest.version));
  const found = candidates[0];
  if (!found) {
    throw new OsImageError(
      'os-image-missing',
      `No DhyveOS image${version ? ` ${version}` : ''} for ${arch} is installed; run 'dlite install'`,
    );
  }
  return found;
}

/**
 * Where a freshly built or bundled image may be found: an explicit folder (`--os-image`) or
 * `$DLITE_OS_IMAGE` when given (and nothing else then), otherwise the app bundle's
 * `resources/os/<arch>` and a source checkout's `build/os/out/<arch>`.
 */
export function imageSourceCandidates(env: NodeJS.ProcessEnv, arch: GuestArch, explicit?: string): string[] {
  const chosen = [explicit, env['DLITE_OS_IMAGE']].filter(
    (x): x is string => typeof x === 'string' && x !== '',
  );
  if (chosen.length > 0) return [...new Set(chosen)];
  const here = path.dirname(fileURLToPath(import.meta.url));
  const list: string[] = [];
  for (const up of ['..', '../..', '../../..']) {
    list.push(
      path.resolve(here, up, 'resources', 'os', arch),
      path.resolve(here, up, 'build', 'os', 'out', arch),
    );
  }
  return [...new Set(list)];
}

/**
 * Copies a verified image folder into the store (`os/<version>-<arch>`), atomically: files land
 * in a temp folder, are checked against the manifest's sha256, then the folder is renamed.
 * Returns `cached` when that version is already installed and intact.
 */
export async function installImageFrom(
  paths: DlitePaths,
  sourceDir: string,
): Promise<{ image: OsImage; status: 'installed' | 'cached' }> {
  const manifest = await readManifest(sourceDir);
  const dest = path.join(paths.osDir, `${manifest.version}-${manifest.arch}`);
  const existing = await readManifest(dest).catch(() => null);
  if (existing && JSON.stringify(existing.files) === JSON.stringify(manifest.files)) {
    await verifyImageDir(dest, existing, { digests: false });
    return { image: toImage(dest, existing), status: 'cached' };
  }
  await verifyImageDir(sourceDir, manifest);
  await mkdir(paths.osDir, { recursive: true, mode: 0o700 });
  const tmp = await mkdtemp(path.join(paths.osDir, '.incoming-'));
  try {
    for (const name of [...Object.keys(manifest.files), 'manifest.json']) {
      await copyFile(path.join(sourceDir, name), path.join(tmp, name));
    }
    await verifyImageDir(tmp, manifest);
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return { image: toImage(dest, manifest), status: 'installed' };
}

/** Finds an image among {@link imageSourceCandidates} and installs it; throws naming where it looked. */
export async function installFromCandidates(
  paths: DlitePaths,
  candidates: readonly string[],
  version?: string,
) {
  for (const dir of candidates) {
    const manifest = await readManifest(dir).catch(() => null);
    if (manifest && (version === undefined || manifest.version === version)) {
      return installImageFrom(paths, dir);
    }
  }
  throw new OsImageError(
    'os-image-missing',
    `No DhyveOS image${version ? ` ${version}` : ''} found (looked in ${candidates.join(', ')}); build one with 'npm run build:os' or pass --os-image DIR`,
  );
}
