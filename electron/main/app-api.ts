import type { DliteApi } from '../shared/api.js';
import { APP_WINDOWS, type AppWindow } from '../shared/app-types.js';
import type { AppMethod } from '../shared/contract.js';
import { err, ok, type Result } from '../shared/errors.js';
import type { VmStatus } from '../shared/types.js';
import type { DaemonApi, DaemonService } from './daemon/daemon-service.js';
import type { ElectronPort } from './electron-port.js';
import { announced } from './notifications.js';
import type { PrefsService } from './prefs/prefs-service.js';

export interface AppApiDeps {
  readonly electron: ElectronPort;
  readonly service: DaemonService;
  readonly prefs: PrefsService;
  readonly openTerminal: () => Promise<Result<void>>;
  readonly showWindow: (name: AppWindow) => void;
  /** True while the popover shows: a start's end is then visible without a notification. */
  readonly popoverVisible: () => boolean;
}

/** Main's own methods of the contract (dialogs, windows, terminal, preferences, service link). */
export function createAppApi(deps: AppApiDeps): Pick<DliteApi, AppMethod> {
  const { electron, service, prefs } = deps;
  return {
    openTerminal: () => deps.openTerminal(),
    pickFolder: async (request) => {
      const r = await electron.showOpenDialog({
        title: request?.title ?? 'Choose a folder',
        properties: ['openDirectory', 'createDirectory'],
        ...(typeof request?.defaultPath === 'string' ? { defaultPath: request.defaultPath } : {}),
      });
      return ok(r.canceled ? null : (r.filePaths[0] ?? null));
    },
    getAppInfo: () => Promise.resolve(ok(prefs.info())),
    setAppPrefs: (patch) => Promise.resolve(prefs.update(patch)),
    showWindow: (name) => {
      if (!(APP_WINDOWS as readonly unknown[]).includes(name)) {
        return Promise.resolve(err('invalid-argument', `window: must be one of ${APP_WINDOWS.join(', ')}`));
      }
      deps.showWindow(name);
      return Promise.resolve(ok(undefined));
    },
    quit: () => {
      electron.app.quit();
      return Promise.resolve(ok(undefined));
    },
    retryService: () => Promise.resolve(ok(service.retry())),
    onService: (listener) => service.onService(listener),
    onAppInfo: (listener) => prefs.onChange(listener),
  };
}

/**
 * The whole {@link DliteApi} main serves: the daemon's methods (starts the user asked for are
 * announced when they end) and main's own.
 */
export function composeApi(
  daemon: DaemonApi,
  app: Pick<DliteApi, AppMethod>,
  deps: Pick<AppApiDeps, 'electron' | 'popoverVisible'>,
): DliteApi {
  const announce = (call: () => Promise<Result<VmStatus>>) =>
    announced(call, deps.electron.notify, deps.popoverVisible);
  return {
    ...daemon,
    ...app,
    start: announce(() => daemon.start()),
    restart: announce(() => daemon.restart()),
  };
}
