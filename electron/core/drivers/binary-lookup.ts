import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';

/** Where Homebrew puts binaries (Apple Silicon, then Intel); GUI apps start with a minimal PATH. */
export const HOMEBREW_BIN_DIRS = ['/opt/homebrew/bin', '/usr/local/bin'] as const;

/** Where to look for a hypervisor binary, in order. */
export interface BinarySearch {
  /** The binary's file name (`xhyve`, `vfkit`). */
  readonly name: string;
  /** The user's setting (absolute path), '' or undefined when unset. It MUST exist when set. */
  readonly setting?: string;
  /** The setting's name, for the error message (e.g. `xhyve_binary`). */
  readonly settingName: string;
  /** The app bundle's `Contents/Resources` folder, when running from one. */
  readonly resourcesDir?: string | null;
  readonly env: NodeJS.ProcessEnv;
  /** Extra directories after PATH (default {@link HOMEBREW_BIN_DIRS}). */
  readonly extraDirs?: readonly string[];
}

/** The result of a lookup: the path, and where it was found (for `doctor`). */
export interface FoundBinary {
  readonly path: string;
  readonly from: 'setting' | 'app bundle' | 'PATH' | 'Homebrew';
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The `Contents/Resources` folder of the `.app` bundle `file` lives in, or null. Pure: a CLI
 * shipped inside `Dlite.app/Contents/Resources/app/dist/cli/dlite.js` finds `Dlite.app/Contents/Resources`.
 */
export function appResourcesDir(file: string | undefined): string | null {
  if (!file) return null;
  const marker = `.app${path.sep}Contents${path.sep}Resources`;
  const at = file.indexOf(marker);
  return at < 0 ? null : file.slice(0, at + marker.length);
}

/** The candidate paths of a lookup in order, with their origin. Pure. */
export function binaryCandidates(s: BinarySearch): FoundBinary[] {
  const out: FoundBinary[] = [];
  if (s.resourcesDir) out.push({ path: path.join(s.resourcesDir, 'bin', s.name), from: 'app bundle' });
  for (const dir of (s.env['PATH'] ?? '').split(path.delimiter).filter((d) => path.isAbsolute(d))) {
    out.push({ path: path.join(dir, s.name), from: 'PATH' });
  }
  for (const dir of s.extraDirs ?? HOMEBREW_BIN_DIRS) {
    const p = path.join(dir, s.name);
    if (!out.some((c) => c.path === p)) out.push({ path: p, from: 'Homebrew' });
  }
  return out;
}

/**
 * Finds a hypervisor binary: the setting (which MUST then be an executable file), then the app
 * bundle's resources, then PATH, then the Homebrew prefixes. Resolves null when none is found;
 * rejects with a one-line Error naming the setting when it points at no executable.
 */
export async function findBinary(s: BinarySearch): Promise<FoundBinary | null> {
  if (s.setting) {
    if (await isExecutable(s.setting)) return { path: s.setting, from: 'setting' };
    throw new Error(`${s.settingName}: ${s.setting} is not an executable file`);
  }
  for (const c of binaryCandidates(s)) if (await isExecutable(c.path)) return c;
  return null;
}
