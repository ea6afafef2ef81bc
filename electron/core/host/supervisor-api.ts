import type { DliteApi } from '../../shared/api.js';
import { err, ok, type Result } from '../../shared/errors.js';
import type { LogLine, LogSource, LogsRequest } from '../../shared/types.js';
import { attempt, errorResult } from '../dlite-error.js';
import { followFile } from '../fs/follow.js';
import { tailFile } from '../fs/tail.js';
import type { Logger } from '../log/logger.js';
import type { DlitePaths } from '../paths.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { VERSION } from '../version.js';

export interface SupervisorApiDeps {
  readonly supervisor: Supervisor;
  readonly paths: DlitePaths;
  readonly logger: Logger;
}

const DEFAULT_LOG_LINES = 200;
const MAX_LOG_LINES = 10_000;

/** Console lines look like `<text>`; dlite.log lines like `<ISO time> <level> <text>`. */
export function toLogLine(source: LogSource, raw: string): LogLine {
  if (source === 'dlite') {
    const space = raw.indexOf(' ');
    if (space > 0 && !Number.isNaN(Date.parse(raw.slice(0, space)))) {
      return { source, time: raw.slice(0, space), text: raw.slice(space + 1) };
    }
  }
  return { source, time: '', text: raw };
}

/** The last lines of a log (`dlite.log` or the VM console), for `logs` with or without a host. */
export async function readLogs(
  paths: DlitePaths,
  request: LogsRequest | undefined,
): Promise<Result<LogLine[]>> {
  const source = request?.source === 'console' ? 'console' : 'dlite';
  const n = request?.lines ?? DEFAULT_LOG_LINES;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LOG_LINES) {
    return err('invalid-argument', `lines: must be an integer between 1 and ${MAX_LOG_LINES}`, {
      field: 'lines',
    });
  }
  const file = source === 'console' ? paths.consoleLog : paths.dliteLog;
  return ok((await tailFile(file, n)).map((l) => toLogLine(source, l)));
}

/**
 * Pushes every new line of the VM console while anyone listens; `dlite.log` lines come from the
 * logger itself. One file follower, started with the first listener and stopped with the last.
 */
function consoleLines(paths: DlitePaths) {
  const listeners = new Set<(line: LogLine) => void>();
  let follow: AbortController | null = null;
  return (listener: (line: LogLine) => void): (() => void) => {
    listeners.add(listener);
    if (follow === null) {
      const abort = new AbortController();
      follow = abort;
      void followFile(
        paths.consoleLog,
        (raw) => listeners.forEach((l) => l(toLogLine('console', raw))),
        abort.signal,
      ).catch(() => undefined);
    }
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) {
        follow?.abort();
        follow = null;
      }
    };
  };
}

/**
 * The {@link DliteApi} served by the Dlite daemon, the one host of a Dlite home. Never rejects:
 * every failure is a Result with an ErrorDto whose details survive the control socket.
 */
export function createSupervisorApi(deps: SupervisorApiDeps): DliteApi {
  const { supervisor: sup, paths } = deps;
  const onConsole = consoleLines(paths);
  return {
    status: async () => ok(await sup.refreshStatus()),
    start: () => sup.start(),
    stop: () => sup.stop(),
    restart: () => sup.restart(),
    getSettings: () => attempt(() => sup.loadSettings(), 'config-unreadable'),
    updateSettings: (patch) => sup.updateSettings(patch),
    logs: (request) => readLogs(paths, request).catch((e: unknown) => errorResult(e)),
    // Opening a desktop terminal is the menu-bar app's; the headless daemon has none.
    openTerminal: () =>
      Promise.resolve(err('not-supported', "No desktop terminal here: run 'dlite ssh' instead")),
    syncClock: async () => {
      const link = sup.guest();
      if (!link) return err('vm-not-running', "The VM is not running: start it with 'dlite start'");
      return attempt(() => link.syncClock(), 'ssh-failed');
    },
    checkForUpdate: () =>
      Promise.resolve(
        err('not-supported', `Update checks are not available in this build (version ${VERSION})`),
      ),
    applyUpdate: () => Promise.resolve(err('not-supported', 'Updates are not available in this build')),
    onState: (l) => sup.onState(l),
    onProgress: (l) => sup.onProgress(l),
    onLog: (l) => {
      const offLogger = deps.logger.onLine(l);
      const offConsole = onConsole(l);
      return () => {
        offLogger();
        offConsole();
      };
    },
  };
}
