import type { ProgressDto, Settings, SettingsProblem } from '../../shared/types.js';
import { HOME_ENTRIES, claimHomeEntries } from '../home.js';
import { settingsAccess } from './compose.js';
import { installOs, type InstallOsResult } from '../os-image/install-os.js';
import type { DlitePaths } from '../paths.js';
import { hostArch } from '../platform.js';
import { ensureSshKey } from '../ssh/keys.js';
import { ensureDisk } from '../vm/disk.js';
import { VERSION } from '../version.js';

/** The steps of a setup, in order; progress reports `index + 1` of `INSTALL_STEPS.length`. */
export const INSTALL_STEPS = [
  { step: 'settings', description: 'Writing settings' },
  { step: 'ssh-key', description: 'Creating the SSH key' },
  { step: 'disk', description: 'Creating the disk (sparse)' },
  { step: 'os-image', description: 'Installing the DhyveOS image' },
] as const;

export type InstallStep = (typeof INSTALL_STEPS)[number]['step'];

export interface InstallOptions {
  readonly env: NodeJS.ProcessEnv;
  /** A local OS build to install (`--os-dir`); `$DLITE_OS_IMAGE` counts as one too. */
  readonly osDir?: string;
  /** A DhyveOS version to install (`-v`), or `latest`. */
  readonly version?: string;
  /** Called as each step begins, with a one-line detail. */
  readonly onStep?: (step: InstallStep, index: number, detail: string) => void;
  /** Called at once when an unusable `config.json` was kept aside (the same text as `note`). */
  readonly onNote?: (note: string) => void;
  /** Progress of an OS download (operation `update`: bytes, rate, ETA). */
  readonly onProgress?: (p: ProgressDto) => void;
}

export interface InstallResult {
  readonly settings: Settings;
  /** Valid settings that do not fit this machine (kept as they are; `start` refuses errors). */
  readonly problems: readonly SettingsProblem[];
  /** Set when an unusable `config.json` was kept aside: where, and whether its uuid was kept. */
  readonly note?: string;
  readonly os: InstallOsResult;
}

/**
 * Sets up a Dlite home, the one place both `dlite install` and the app's Set up do it: records what
 * it creates in the home's manifest, writes `config.json` (existing settings with `patch` merged,
 * validated; an unusable file is kept beside it with its uuid), then the SSH key, the sparse disk
 * and the OS image (a local build, else what is installed, else the release channel). Idempotent:
 * what exists is kept (the disk only grows). Throws the failing step's error.
 */
export async function installDlite(
  paths: DlitePaths,
  patch: unknown,
  opts: InstallOptions,
): Promise<InstallResult> {
  const step = (index: number, detail: string): void =>
    opts.onStep?.(INSTALL_STEPS[index]!.step, index, detail);
  await claimHomeEntries(paths, HOME_ENTRIES);
  step(0, `Writing settings to ${paths.config}`);
  const { repo, context } = settingsAccess(paths, opts.env);
  const written = await repo.init(patch ?? {}, await context());
  const note =
    written.movedTo === undefined
      ? undefined
      : `The old ${paths.config} could not be used; it was kept as ${written.movedTo}` +
        (written.uuidRecovered
          ? ' and its uuid was kept.'
          : ' (it held no valid uuid: the VM has a new one).');
  if (note) opts.onNote?.(note);
  step(1, 'Creating the SSH key');
  await ensureSshKey(paths);
  step(2, `Creating the ${written.settings.disk_size} GiB disk (sparse)`);
  await ensureDisk(paths.disk, written.settings.disk_size);
  step(3, 'Installing the DhyveOS image');
  const os = await installOs({
    paths,
    arch: hostArch(),
    env: opts.env,
    settings: written.settings,
    dliteVersion: VERSION,
    ...(opts.osDir !== undefined ? { osDir: opts.osDir } : {}),
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  return { settings: written.settings, problems: written.problems, ...(note ? { note } : {}), os };
}
