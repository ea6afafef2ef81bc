import type { DliteApi } from '../../shared/api.js';
import { err, ok } from '../../shared/errors.js';
import type { LogLine, LogsRequest } from '../../shared/types.js';
import { tailLines } from '../fs/tail.js';
import { reclaimDisk } from '../resources/reclaim.js';
import type { Logger } from '../log/logger.js';
import type { DlitePaths } from '../paths.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { VERSION } from '../version.js';

export interface SupervisorApiDeps {
  readonly supervisor: Supervisor;
  readonly paths: DlitePaths;
  readonly logger: Logger;
  /** Opens a terminal running `dlite ssh`; absent where the host has no desktop (headless daemon). */
  readonly openTerminal?: () => Promise<void>;
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
  return {
    status: () => Promise.resolve(ok(sup.status())),
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
    sleep: () => sup.sleep(),
    reclaimDisk: async () => {
      const link = sup.guest();
      if (!link) return err('vm-not-running', "The VM is not running: start it with 'dlite start'");
      try {
        return ok(await reclaimDisk(link, paths.disk));
      } catch (e) {
        return err(
          'ssh-failed',
          `Could not trim the VM's disk: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    },
    checkForUpdate: () =>
      Promise.resolve(
        err('not-supported', `Update checks are not available in this build (version ${VERSION})`),
      ),
    applyUpdate: () => Promise.resolve(err('not-supported', 'Updates are not available in this build')),
    onState: (l) => sup.onState(l),
    onProgress: (l) => sup.onProgress(l),
    onLog: (l) => deps.logger.onLine(l),
  };
}
