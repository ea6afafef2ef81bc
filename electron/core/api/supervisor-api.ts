import type { DliteApi } from '../../shared/api.js';
import { err, ok } from '../../shared/errors.js';
import type { LogLine, LogsRequest } from '../../shared/types.js';
import { hostArch } from '../daemon/compose.js';
import { tailLines } from '../fs/tail.js';
import type { Logger } from '../log/logger.js';
import { OsUpdates, type OsUpdatesDeps } from '../os-image/os-updates.js';
import type { DlitePaths } from '../paths.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { VERSION } from '../version.js';

export interface SupervisorApiDeps {
  readonly supervisor: Supervisor;
  readonly paths: DlitePaths;
  readonly logger: Logger;
  /** Opens a terminal running `dlite ssh`; absent where the host has no desktop (headless daemon). */
  readonly openTerminal?: () => Promise<void>;
  /** Download retry and timeout tuning for OS updates (tests). */
  readonly osDownload?: OsUpdatesDeps['download'];
}

const DEFAULT_LOG_LINES = 200;
const MAX_LOG_LINES = 10_000;

/** Console lines look like `<text>`; dlite.log lines like `<ISO time> <level> <text>`. */
function toLogLine(source: LogsRequest['source'], raw: string): LogLine {
  if (source === 'dlite') {
    const space = raw.indexOf(' ');
    if (space > 0 && !Number.isNaN(Date.parse(raw.slice(0, space)))) {
      return { source, time: raw.slice(0, space), text: raw.slice(space + 1) };
    }
  }
  return { source, time: '', text: raw };
}

/** The {@link DliteApi} served by whichever process hosts the supervisor (daemon or app). */
export function createSupervisorApi(deps: SupervisorApiDeps): DliteApi {
  const { supervisor: sup, paths } = deps;
  const updates = new OsUpdates({
    paths,
    arch: hostArch(),
    dliteVersion: VERSION,
    loadSettings: () => sup.loadSettings(),
    runningVersion: () => sup.status().os.running,
    onActiveChanged: (v) => sup.setOsActive(v),
    ...(deps.osDownload ? { download: deps.osDownload } : {}),
  });
  void updates.refresh().catch((e: unknown) => deps.logger.warn(`reading the OS store: ${String(e)}`));
  return {
    // The active OS version is read again each time: `dlite install` may have changed it.
    status: async () => {
      await updates.refresh().catch(() => undefined);
      return ok(sup.status());
    },
    start: () => sup.start(),
    stop: () => sup.stop(),
    restart: () => sup.restart(),
    getSettings: async () => {
      try {
        return ok(await sup.loadSettings());
      } catch (e) {
        const x = e as { code?: string; message?: string; field?: string };
        return err(
          x.code === 'invalid-settings' ? 'invalid-settings' : 'config-unreadable',
          x.message ?? String(e),
        );
      }
    },
    updateSettings: (patch) => sup.updateSettings(patch),
    logs: async (request) => {
      const source = request?.source === 'console' ? 'console' : 'dlite';
      const n = request?.lines ?? DEFAULT_LOG_LINES;
      if (!Number.isInteger(n) || n < 1 || n > MAX_LOG_LINES) {
        return err('invalid-argument', `lines: must be an integer between 1 and ${MAX_LOG_LINES}`);
      }
      const file = source === 'console' ? paths.consoleLog : paths.dliteLog;
      return ok((await tailLines(file, n)).map((l) => toLogLine(source, l)));
    },
    openTerminal: async () => {
      if (!deps.openTerminal) {
        return err('not-supported', "No desktop terminal here: run 'dlite ssh' instead");
      }
      await deps.openTerminal();
      return ok(undefined);
    },
    syncClock: async () => {
      const link = sup.guest();
      if (!link) return err('vm-not-running', "The VM is not running: start it with 'dlite start'");
      try {
        await link.syncClock();
        return ok(undefined);
      } catch (e) {
        return err('ssh-failed', `Could not set the VM clock: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    checkForUpdate: () => updates.check(),
    applyUpdate: async (request) => {
      const r = await updates.apply(request);
      if (r.ok) deps.logger.info(`DhyveOS ${r.value.version} is active (${r.value.status})`);
      else deps.logger.warn(`OS update failed: ${r.error.message}`);
      return r;
    },
    rollbackUpdate: async () => {
      const r = await updates.rollback();
      if (r.ok) deps.logger.info(`DhyveOS rolled back to ${r.value.version}`);
      return r;
    },
    onState: (l) => sup.onState(l),
    onProgress: (l) => {
      const offs = [sup.onProgress(l), updates.onProgress(l)];
      return () => offs.forEach((off) => off());
    },
    onLog: (l) => deps.logger.onLine(l),
  };
}
