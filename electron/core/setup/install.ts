import type { Settings } from '../../shared/types.js';
import type { GuestArch } from '../drivers/driver.js';
import { imageSourceCandidates, installFromCandidates, type OsImage } from '../os-image/store.js';
import type { DlitePaths } from '../paths.js';
import { SettingsRepository, hostValidationContext } from '../settings/repository.js';
import { ensureSshKey } from '../ssh/keys.js';
import { ensureDisk } from '../vm/disk.js';

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
  /** An OS image folder to install from (`dlite install --os-image`). */
  readonly imageDir?: string;
  /** A DhyveOS version to pick among the candidates. */
  readonly version?: string;
  /** Called as each step begins. */
  readonly onStep?: (step: InstallStep, index: number, detail: string) => void;
}

export interface InstallResult {
  readonly settings: Settings;
  readonly image: OsImage;
  readonly status: 'installed' | 'cached';
}

/**
 * Sets up a Dlite home: `config.json` (existing settings with `overrides` merged, validated), the
 * SSH key, the sparse disk and the OS image. Idempotent: what exists is kept (the disk only grows).
 * Throws the step's own error (e.g. `SettingsError` for bad overrides) before writing anything else.
 */
export async function installDlite(
  paths: DlitePaths,
  overrides: unknown,
  opts: InstallOptions,
): Promise<InstallResult> {
  const step = (index: number, detail: string): void =>
    opts.onStep?.(INSTALL_STEPS[index]!.step, index, detail);
  step(0, `Writing settings to ${paths.config}`);
  const settings = await new SettingsRepository(paths).init(
    overrides ?? {},
    await hostValidationContext(paths),
  );
  step(1, 'Creating the SSH key');
  await ensureSshKey(paths);
  step(2, `Creating the ${settings.disk_size} GiB disk (sparse)`);
  await ensureDisk(paths.disk, settings.disk_size);
  step(3, 'Installing the DhyveOS image');
  const arch: GuestArch = process.arch === 'arm64' ? 'arm64' : 'amd64';
  const { image, status } = await installFromCandidates(
    paths,
    imageSourceCandidates(opts.env, arch, opts.imageDir),
    opts.version,
  );
  return { settings, image, status };
}
