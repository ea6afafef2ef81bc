import type { DliteApi } from '../../shared/api.js';
import { APP_METHODS, type AppMethod } from '../../shared/contract.js';
import { err, ok, type Result } from '../../shared/errors.js';
import type { LogLine, LogsRequest, ProgressDto, Settings } from '../../shared/types.js';
import { tailLines } from '../fs/tail.js';
import type { Logger } from '../log/logger.js';
import type { DlitePaths } from '../paths.js';
import { SettingsError } from '../settings/errors.js';
import { INSTALL_STEPS, installDlite } from '../setup/install.js';
import { toStepError } from '../supervisor/errors.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { VERSION } from '../version.js';
import { describeHost } from './host-info.js';
import { checkSettingsPatch } from './settings-check.js';

export interface SupervisorApiDeps {
  readonly supervisor: Supervisor;
  readonly paths: DlitePaths;
  readonly logger: Logger;
  /** Opens a terminal running `dlite ssh`; absent where the host has no desktop (headless daemon). */
  readonly openTerminal?: () => Promise<void>;
  /** The environment the OS image is looked up in (`DLITE_OS_IMAGE`). Defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
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

/** A settings failure as a Result, with every field error in `details.errors`. */
function settingsFailure<T>(e: unknown): Result<T> {
  if (e instanceof SettingsError) return err(e.code, e.message, e.toDetails());
  const se = toStepError('settings', e, 'config-unreadable');
  return err(se.code, se.message);
}

/** The menu-bar app's own methods, as a headless host answers them. */
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

/** The {@link DliteApi} served by whichever process hosts the supervisor (daemon or app). */
export function createSupervisorApi(deps: SupervisorApiDeps): DliteApi {
  const { supervisor: sup, paths } = deps;
  const env = deps.env ?? process.env;
  const setupListeners = new Set<(p: ProgressDto) => void>();
  let installing: Promise<Result<Settings>> | null = null;
  const install = async (patch: unknown): Promise<Result<Settings>> => {
    if (sup.status().state !== 'stopped' && sup.status().state !== 'error') {
      return err('vm-busy', 'Dlite is set up and its VM is in use: stop it before setting up again');
    }
    try {
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
      });
      return ok(r.settings);
    } catch (e) {
      if (e instanceof SettingsError) return settingsFailure(e);
      const se = toStepError('install', e, 'internal');
      return err(se.code, se.message);
    }
  };
  return {
    ...appOnlyMethods(),
    status: () => Promise.resolve(ok(sup.status())),
    start: () => sup.start(),
    stop: () => sup.stop(),
    restart: () => sup.restart(),
    getSettings: async () => {
      try {
        return ok(await sup.loadSettings());
      } catch (e) {
        return settingsFailure(e);
      }
    },
    checkSettings: async (patch) => {
      try {
        return ok(await checkSettingsPatch(paths, patch ?? {}));
      } catch (e) {
        return settingsFailure(e);
      }
    },
    hostInfo: async () => ok(await describeHost(paths, env)),
    install: (patch) => {
      // Concurrent setups share one run.
      installing ??= install(patch).finally(() => (installing = null));
      return installing;
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
    checkForUpdate: () =>
      Promise.resolve(
        err('not-supported', `Update checks are not available in this build (version ${VERSION})`),
      ),
    applyUpdate: () => Promise.resolve(err('not-supported', 'Updates are not available in this build')),
    onState: (l) => sup.onState(l),
    onProgress: (l) => {
      const off = sup.onProgress(l);
      setupListeners.add(l);
      return () => {
        off();
        setupListeners.delete(l);
      };
    },
    onLog: (l) => deps.logger.onLine(l),
  };
}
