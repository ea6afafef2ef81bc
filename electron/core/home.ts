import { lstat, mkdir, readFile, readlink, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { DliteError } from './dlite-error.js';
import { overlongSockets, type DlitePaths } from './paths.js';

/** What Dlite may create in a home (besides `run`), recorded in the manifest before it does. */
export const HOME_ENTRIES = ['config.json', 'disk.img', 'os', 'ssh', 'log', 'suspend'] as const;

/** `.dlite-manifest.json`: what Dlite created in a home, so uninstall removes exactly that. */
export interface HomeManifest {
  readonly dlite: 1;
  /** True when Dlite created the home folder itself (uninstall then removes it once empty). */
  readonly createdHome: boolean;
  /** Names directly under the home that Dlite created (`config.json`, `disk.img`, `os`, ...). */
  readonly entries: readonly string[];
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (e) {
    if (errno(e) === 'ENOENT') return false;
    throw e;
  }
}

/** The manifest of `paths.home`, or null when there is none (not a Dlite home, or unreadable). */
export async function readHomeManifest(paths: Pick<DlitePaths, 'manifest'>): Promise<HomeManifest | null> {
  try {
    const raw = JSON.parse(await readFile(paths.manifest, 'utf8')) as Partial<HomeManifest>;
    if (raw.dlite !== 1 || !Array.isArray(raw.entries)) return null;
    const entries = raw.entries.filter(
      (e): e is string => typeof e === 'string' && e !== '' && !e.includes('/') && e !== '..' && e !== '.',
    );
    return { dlite: 1, createdHome: raw.createdHome === true, entries };
  } catch {
    return null;
  }
}

/**
 * Creates the home (0700) when needed and records in its manifest each of `names` that does not
 * exist yet, to be created by the caller right after. Names that exist already and are not in the
 * manifest stay the user's. Idempotent; written atomically.
 */
export async function claimHomeEntries(
  paths: Pick<DlitePaths, 'home' | 'manifest'>,
  names: readonly string[],
): Promise<void> {
  const createdHome = !(await exists(paths.home));
  await mkdir(paths.home, { recursive: true, mode: 0o700 });
  const current = await readHomeManifest(paths);
  const entries = new Set(current?.entries ?? []);
  let changed = current === null;
  for (const name of names) {
    if (entries.has(name) || (await exists(path.join(paths.home, name)))) continue;
    entries.add(name);
    changed = true;
  }
  if (!changed) return;
  const manifest: HomeManifest = {
    dlite: 1,
    createdHome: current?.createdHome ?? createdHome,
    entries: [...entries].sort(),
  };
  const tmp = `${paths.manifest}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, paths.manifest);
}

/**
 * Makes `paths.runDir` a private (0700) folder owned by this user and, for a long home, the link
 * `<home>/run` → the short folder. Refuses (`path-too-long`) only when socket paths fit nowhere,
 * and refuses a short folder that is not a real directory of ours (another user's, or a link).
 */
export async function ensureRunDir(paths: DlitePaths): Promise<void> {
  const long = overlongSockets(paths);
  if (long.length > 0) {
    throw new DliteError(
      'path-too-long',
      `The socket path ${long[0]} is longer than ${103} bytes even in the short run folder; use a shorter DLITE_HOME`,
      { socketPath: long[0]! },
    );
  }
  if (paths.runLink === null) {
    await claimHomeEntries(paths, ['run']);
    await mkdir(paths.runDir, { recursive: true, mode: 0o700 });
    return;
  }
  const parent = path.dirname(paths.runDir);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  for (const dir of [parent, paths.runDir]) {
    await mkdir(dir, { mode: 0o700 }).catch((e: unknown) => {
      if (errno(e) !== 'EEXIST') throw e;
    });
    const st = await lstat(dir);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
      throw new DliteError(
        'path-too-long',
        `${dir} (the short run folder for ${paths.home}) must be a private directory of this user; remove it and try again`,
        { file: dir },
      );
    }
  }
  await claimHomeEntries(paths, ['run']);
  const link = paths.runLink;
  const target = await readlink(link).catch(() => null);
  if (target === paths.runDir) return;
  if (target === null && (await exists(link))) {
    throw new DliteError(
      'path-too-long',
      `${link} must link to ${paths.runDir} (this home's path is too long for sockets); move it away`,
      { file: link },
    );
  }
  if (target !== null) await rename(link, `${link}.old-${Date.now()}`);
  await symlink(paths.runDir, link);
}
