import type { DliteApi } from '../../shared/api.js';
import { APP_METHODS, type AppMethod } from '../../shared/contract.js';
import { err, ok, type Result } from '../../shared/errors.js';
import type { LogLine, LogSource, LogsRequest, ProgressDto, Settings } from '../../shared/types.js';
import { attempt, errorResult } from '../dlite-error.js';
import { followFile } from '../fs/follow.js';
import { tailFile } from '../fs/tail.js';
import type { Logger } from '../log/logger.js';
import { OsUpdates, type OsUpdatesDeps } from '../os-image/os-updates.js';
import type { DlitePaths } from '../paths.js';
import { reclaimDisk } from '../resources/reclaim.js';
import { hostArch } from '../platform.js';
import { INSTALL_STEPS, installDlite } from './install.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { VERSION } from '../version.js';
import { describeHost } from './host-info.js';
import { checkSettingsPatch } from './settings-check.js';

export interface SupervisorApiDeps {
  readonly supervisor: Supervisor;
  readonly paths: DlitePaths;
  readonly logger: Logger;
  /** Download retry and timeout tuning for OS updates (tests). */
  readonly osDownload?: OsUpdatesDeps['download'];
  /** The environment drivers and the OS image are looked up in. Defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The menu-bar app's own methods, as the headless daemon answers them. */
function appOnlyMethods(): Pick<DliteApi, Exclude<AppMethod, 'openTerminal'>> {
  const desktopOnly = () => Promise.resolve(err<never>('not-supported', 'This needs the Dlite menu-bar app'));
  const methods: Record<string, unknown> = {};
  for (const m of APP_METHODS) {
    methods[m] = m.startsWith('on') ? () => () => undefined : desktopOnly;
  }
  // The daemon answering is the service being ready.
  methods['retryService'] = () => Promise.resolve(ok({ phase: 'ready', message: null }));
  return methods as unknown as Pick<DliteApi, Exclude<AppMethod, 'openTerminal'>>;
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
  const env = deps.env ?? process.env;
  const setupListeners = new Set<(p: ProgressDto) => void>();
  let installing: Promise<Result<Settings>> | null = null;
  /** The app's Set up: what `dlite install` does, as `install` progress; refused while the VM is in use. */
  const install = async (patch: unknown): Promise<Result<Settings>> => {
    const state = sup.status().state;
    if (state !== 'stopped' && state !== 'error') {
      return err('vm-busy', 'Dlite is set up and its VM is in use: stop it before setting up again');
    }
    return attempt(async () => {
      const r = await installDlite(paths, patch ?? {}, {
        env,
        onStep: (step, index, description) => {
          const p: ProgressDto = {
            operation: 'install',
            step,
            description,
            current: index + 1,
            max: INSTALL_STEPS.length,
          };
          deps.logger.info(`install ${p.current}/${p.max} ${description}`);
          for (const l of setupListeners) l(p);
        },
        onNote: (note) => deps.logger.warn(note),
        onProgress: (p) => setupListeners.forEach((l) => l(p)),
      });
      await updates.refresh().catch(() => undefined);
      return r.settings;
    }, 'internal');
  };
  return {
    ...appOnlyMethods(),
    // The active OS version is read again each time: `dlite install` may have changed it.
    status: async () => {
      await updates.refresh().catch(() => undefined);
      return ok(await sup.refreshStatus());
    },
    start: () => sup.start(),
    stop: () => sup.stop(),
    restart: () => sup.restart(),
    getSettings: () => attempt(() => sup.loadSettings(), 'config-unreadable'),
    updateSettings: (patch) => sup.updateSettings(patch),
    checkSettings: (patch) => attempt(() => checkSettingsPatch(paths, patch ?? {}, env), 'config-unreadable'),
    hostInfo: () => attempt(() => describeHost(paths, env)),
    install: (patch) => {
      // Concurrent setups share one run.
      installing ??= install(patch).finally(() => (installing = null));
      return installing;
    },
    logs: (request) => readLogs(paths, request).catch((e: unknown) => errorResult(e)),
    // Opening a desktop terminal is the menu-bar app's; the headless daemon has none.
    openTerminal: () =>
      Promise.resolve(err('not-supported', "No desktop terminal here: run 'dlite ssh' instead")),
    syncClock: async () => {
      const link = sup.guest();
      if (!link) return err('vm-not-running', "The VM is not running: start it with 'dlite start'");
      return attempt(() => link.syncClock(), 'ssh-failed');
    },
    answerPrivileged: (answer) => Promise.resolve(sup.answerPrivileged(answer)),
    sleep: () => sup.sleep(),
    reclaimDisk: async () => {
      const link = sup.guest();
      if (!link) return err('vm-not-running', "The VM is not running: start it with 'dlite start'");
      return attempt(() => reclaimDisk(link, paths.disk), 'ssh-failed');
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
      setupListeners.add(l);
      const offs = [sup.onProgress(l), updates.onProgress(l), () => setupListeners.delete(l)];
      return () => offs.forEach((off) => off());
    },
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
