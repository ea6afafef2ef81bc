import { err, ok, type ErrorDto, type Result } from '../../shared/errors.js';
import type { ProgressDto, Settings, UpdateInfo, UpdateRequest, UpdateResult } from '../../shared/types.js';
import type { GuestArch } from '../drivers/driver.js';
import type { DlitePaths } from '../paths.js';
import type { DownloadOptions } from './download.js';
import { OsImageError } from './manifest.js';
import { activeImages, rollback } from './store.js';
import { checkRelease, installRelease, type ReleaseContext } from './updater.js';
import { compareReleaseVersions, isReleaseVersion } from './release-version.js';

export interface OsUpdatesDeps {
  readonly paths: DlitePaths;
  readonly arch: GuestArch;
  readonly dliteVersion: string;
  /** The current settings (`os_channel_url`, `os_version`). */
  loadSettings(): Promise<Settings>;
  /** The version the running VM booted; null when none runs. */
  runningVersion(): string | null;
  /** Told the active version after every read or change of it. */
  onActiveChanged(version: string | null): void;
  readonly download?: Pick<DownloadOptions, 'retries' | 'idleTimeoutMs' | 'retryDelayMs'>;
}

/** An error of the OS store or a download as the {@link ErrorDto} it crosses processes as. */
export function osErrorDto(e: unknown): ErrorDto {
  if (e instanceof OsImageError) {
    return e.toDto();
  }
  const x = e as NodeJS.ErrnoException;
  if (x?.code === 'ENOSPC' || x?.code === 'EDQUOT') {
    return { code: 'disk-full', message: `Disk full: ${x.message}` };
  }
  const settings = x as { code?: unknown; message?: unknown };
  if (settings?.code === 'invalid-settings' || settings?.code === 'config-unreadable') {
    return { code: settings.code, message: String(settings.message) };
  }
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

function failed<T>(e: unknown): Result<T> {
  return { ok: false, error: osErrorDto(e) };
}

/**
 * The DhyveOS update service of the process hosting the supervisor: checks the release channel,
 * installs a version (one at a time) and rolls back. The running VM keeps the files it booted:
 * its version is never pruned, and the new one is used at the next start.
 */
export class OsUpdates {
  private busy = false;
  private readonly listeners = new Set<(p: ProgressDto) => void>();

  constructor(private readonly deps: OsUpdatesDeps) {}

  /** Progress of `apply` (operation `update`), with bytes, rate and ETA while downloading. */
  onProgress(listener: (p: ProgressDto) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the active version from the store and reports it to `onActiveChanged`. */
  async refresh(): Promise<{ active: string | null; previous: string | null }> {
    const { active, previous } = await activeImages(this.deps.paths, this.deps.arch);
    const versions = {
      active: active?.manifest.version ?? null,
      previous: previous?.manifest.version ?? null,
    };
    this.deps.onActiveChanged(versions.active);
    return versions;
  }

  async check(): Promise<Result<UpdateInfo>> {
    try {
      const settings = await this.deps.loadSettings();
      const { active, previous } = await this.refresh();
      const { selection } = await checkRelease(settings.os_channel_url, settings.os_version, this.context());
      const latest = selection.entry.version;
      const pinned = settings.os_version !== 'latest';
      const available =
        active === null || (pinned ? latest !== active : compareReleaseVersions(latest, active) > 0);
      return ok({
        currentVersion: active,
        previousVersion: previous,
        runningVersion: this.deps.runningVersion(),
        latestVersion: latest,
        available,
        channelUrl: settings.os_channel_url,
        skipped: selection.skipped,
      });
    } catch (e) {
      return failed(e);
    }
  }

  async apply(request: UpdateRequest | undefined): Promise<Result<UpdateResult>> {
    const asked = request?.version;
    if (asked !== undefined && asked !== 'latest' && !isReleaseVersion(asked)) {
      return err(
        'invalid-argument',
        `version: must be "latest" or a release version such as 0.2.0, got ${JSON.stringify(asked)}`,
      );
    }
    if (this.busy) return err('vm-busy', 'An OS update is already in progress');
    this.busy = true;
    try {
      const settings = await this.deps.loadSettings();
      const want = asked ?? settings.os_version;
      const { active } = await this.refresh();
      const running = this.deps.runningVersion();
      const r = await installRelease(settings.os_channel_url, want, {
        ...this.context(),
        keep: running === null ? [] : [running],
        ...(want === 'latest' && active !== null ? { notOlderThan: active } : {}),
      });
      await this.refresh();
      return ok({
        version: r.version,
        previousVersion: r.previous,
        status: r.status,
        restartPending: running !== null && running !== r.version ? running : null,
      });
    } catch (e) {
      await this.refresh().catch(() => undefined);
      return failed(e);
    } finally {
      this.busy = false;
    }
  }

  async rollback(): Promise<Result<UpdateResult>> {
    if (this.busy) return err('vm-busy', 'An OS update is in progress; roll back when it has finished');
    this.busy = true;
    try {
      const running = this.deps.runningVersion();
      const r = await rollback(this.deps.paths, this.deps.arch, running === null ? [] : [running]);
      await this.refresh();
      return ok({
        version: r.version,
        previousVersion: r.previous,
        status: 'switched',
        restartPending: running !== null && running !== r.version ? running : null,
      });
    } catch (e) {
      return failed(e);
    } finally {
      this.busy = false;
    }
  }

  private context(): ReleaseContext {
    return {
      paths: this.deps.paths,
      arch: this.deps.arch,
      dliteVersion: this.deps.dliteVersion,
      operation: 'update',
      onProgress: (p) => {
        for (const l of this.listeners) l(p);
      },
      ...(this.deps.download ? { download: this.deps.download } : {}),
    };
  }
}
