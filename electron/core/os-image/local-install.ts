import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import type { GuestArch } from '../drivers/driver.js';
import type { DlitePaths } from '../paths.js';
import { OsImageError, readManifest, verifyImageDir } from './manifest.js';
import { activate, placeVersion, type OsImage } from './store.js';

/**
 * Where a freshly built or bundled image may be found: an explicit folder (`--os-dir`) or
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

export interface LocalInstall {
  readonly image: OsImage;
  /** `cached`: that version with these files was installed already. */
  readonly status: 'installed' | 'cached';
  /** The version active before, now kept for rollback (null when none, or unchanged). */
  readonly previous: string | null;
}

/**
 * Installs a local image folder (a build's output) as `os/<version>/` and makes it active. The
 * files are copied into a working folder, checked against the manifest's sizes and sha256, and
 * only then moved into place; the `current` pointer is written last. `keep`: versions that must
 * not be pruned (a running VM's). Throws `os-incompatible` for an image of another arch.
 */
export async function installImageFrom(
  paths: DlitePaths,
  sourceDir: string,
  arch: GuestArch,
  keep: readonly string[] = [],
): Promise<LocalInstall> {
  const manifest = await readManifest(sourceDir);
  if (manifest.arch !== arch) {
    throw new OsImageError(
      'os-incompatible',
      `The OS image in ${sourceDir} is for ${manifest.arch}; this machine needs ${arch}`,
    );
  }
  const installed = await readManifest(path.join(paths.osDir, manifest.version)).catch(() => null);
  const same = installed !== null && JSON.stringify(installed.files) === JSON.stringify(manifest.files);
  await verifyImageDir(sourceDir, manifest);
  await mkdir(paths.osDir, { recursive: true, mode: 0o700 });
  const tmp = await mkdtemp(path.join(paths.osDir, '.incoming-'));
  let image: OsImage;
  try {
    if (same) {
      await verifyImageDir(path.join(paths.osDir, manifest.version), manifest, { digests: false });
    } else {
      for (const name of [...Object.keys(manifest.files), 'manifest.json']) {
        await copyFile(path.join(sourceDir, name), path.join(tmp, name));
      }
      await verifyImageDir(tmp, manifest);
    }
    image = await placeVersion(paths, tmp, manifest);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const switched = await activate(paths, arch, manifest.version, keep);
  return {
    image,
    status: same ? 'cached' : 'installed',
    previous: switched.changed ? switched.previous : null,
  };
}

/** Finds an image among {@link imageSourceCandidates} and installs it; throws naming where it looked. */
export async function installFromCandidates(
  paths: DlitePaths,
  candidates: readonly string[],
  arch: GuestArch,
  version?: string,
): Promise<LocalInstall> {
  for (const dir of candidates) {
    const manifest = await readManifest(dir).catch(() => null);
    if (manifest && (version === undefined || manifest.version === version)) {
      return installImageFrom(paths, dir, arch);
    }
  }
  throw new OsImageError(
    'os-image-missing',
    `No DhyveOS image${version ? ` ${version}` : ''} found (looked in ${candidates.join(', ')}); build one with 'npm run build:os' or pass --os-dir DIR`,
  );
}
