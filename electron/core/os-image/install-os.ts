import type { ProgressDto, Settings } from '../../shared/types.js';
import type { GuestArch } from '../drivers/driver.js';
import type { DlitePaths } from '../paths.js';
import { imageSourceCandidates, installFromCandidates } from './local-install.js';
import { activeImages, activate, installedImages } from './store.js';
import { installRelease } from './updater.js';

export interface InstallOsOptions {
  readonly paths: DlitePaths;
  readonly arch: GuestArch;
  readonly env: NodeJS.ProcessEnv;
  readonly settings: Settings;
  readonly dliteVersion: string;
  /** A local build to install (`--os-dir`); `$DLITE_OS_IMAGE` counts as one too. */
  readonly osDir?: string;
  /**
   * A version to install (`-v`), or `latest` (the newest from the channel); absent: keep what is
   * installed, else the `os_version` setting.
   */
  readonly version?: string;
  readonly onProgress?: (p: ProgressDto) => void;
  readonly signal?: AbortSignal;
}

export interface InstallOsResult {
  readonly version: string;
  /** `local`: from a build folder; `channel`: from the release index; `present`: already installed. */
  readonly source: 'local' | 'channel' | 'present';
  /** Where it came from: the folder or the index URL (null when present). */
  readonly from: string | null;
}

/**
 * The OS step of `dlite install`. A local build (`osDir` or `$DLITE_OS_IMAGE`) is installed as
 * is. Otherwise an installed image is kept unless `version` asks for another, which is switched to
 * when it is on disk; anything else comes from the release channel (`os_channel_url`), verified.
 */
export async function installOs(o: InstallOsOptions): Promise<InstallOsResult> {
  const local = o.osDir ?? o.env['DLITE_OS_IMAGE'];
  if (local !== undefined && local !== '') {
    const wanted = o.version === 'latest' ? undefined : o.version;
    const r = await installFromCandidates(
      o.paths,
      imageSourceCandidates(o.env, o.arch, o.osDir),
      o.arch,
      wanted,
    );
    return { version: r.image.manifest.version, source: 'local', from: r.image.dir };
  }
  if (o.version === undefined) {
    const { active } = await activeImages(o.paths, o.arch);
    if (active !== null) return { version: active.manifest.version, source: 'present', from: null };
  } else if (
    o.version !== 'latest' &&
    (await installedImages(o.paths, o.arch)).some((i) => i.manifest.version === o.version)
  ) {
    await activate(o.paths, o.arch, o.version);
    return { version: o.version, source: 'present', from: null };
  }
  const r = await installRelease(o.settings.os_channel_url, o.version ?? o.settings.os_version, {
    paths: o.paths,
    arch: o.arch,
    dliteVersion: o.dliteVersion,
    operation: 'install',
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { version: r.version, source: 'channel', from: o.settings.os_channel_url };
}
