import type { Logger } from '../core/log/logger.js';
import type { DliteApi } from '../shared/api.js';
import { composeApi, createAppApi } from './app-api.js';
import type { HostPort } from './daemon/host-port.js';
import { DaemonService } from './daemon/daemon-service.js';
import type { ElectronPort } from './electron-port.js';
import { forwardPushes, isTrustedFrame, registerIpcHandlers } from './ipc/register-ipc.js';
import { registerPowerHandlers } from './power.js';
import { PRIVILEGED_BUTTONS, privilegedDialog, watchPrivilegedRequests } from './privileged-prompt.js';
import type { PrefsStore } from './prefs/prefs-store.js';
import { PrefsService } from './prefs/prefs-service.js';
import { QUIT_DIALOG, runQuitFlow } from './quit-flow.js';
import { openTerminal, type TerminalDeps } from './terminal/open-terminal.js';
import { quoteArg } from '../core/process/command-format.js';
import type { DliteCommand } from './terminal/terminal-command.js';
import { TrayController } from './tray/tray-controller.js';
import type { TrayAction } from './tray/tray-menu.js';
import { WindowManager } from './windows/window-manager.js';

/** Everything about this installation main needs, resolved by `index.ts`. */
export interface AppConfig {
  readonly platform: NodeJS.Platform;
  readonly hostPort: HostPort;
  readonly prefsStore: PrefsStore;
  readonly rendererFile: string;
  readonly rendererUrl: string;
  readonly preloadPath: string;
  readonly iconDir: string;
  readonly dlite: DliteCommand;
  /** The bundled `dlite` wrapper to link onto the PATH; null in a development build. */
  readonly cliPath: string | null;
  readonly terminal: Pick<TerminalDeps, 'installed' | 'writeScript' | 'spawnDetached'>;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

/** What a running app exposes (for tests and for quitting). */
export interface RunningApp {
  readonly api: DliteApi;
  readonly service: DaemonService;
  readonly windows: WindowManager;
  readonly tray: TrayController;
  readonly prefs: PrefsService;
}

/**
 * Wires the menu-bar app: single instance, no Dock icon, the daemon link, windows, IPC generated
 * from the contract, pushes to every window, the tray, power events and the quit flow.
 * Resolves null when another instance already runs (that one is shown instead).
 */
export async function startApp(e: ElectronPort, cfg: AppConfig): Promise<RunningApp | null> {
  if (!e.app.requestSingleInstanceLock()) {
    e.app.quit();
    return null;
  }
  await e.app.whenReady();
  e.app.dock?.hide();
  e.denyPermissions();
  const log = (line: string) => cfg.logger.info(line);

  const prefs = new PrefsService({
    store: cfg.prefsStore,
    platform: cfg.platform,
    version: e.app.getVersion(),
    cliPath: cfg.cliPath,
    loginItem: {
      supported: cfg.platform === 'darwin' || cfg.platform === 'win32',
      isEnabled: () => e.app.getLoginItemSettings().openAtLogin,
      setEnabled: (open) => e.app.setLoginItemSettings({ openAtLogin: open }),
    },
  });
  const service = new DaemonService(cfg.hostPort, { log });
  const windows = new WindowManager({
    create: (options) => e.createWindow(options),
    platform: cfg.platform,
    rendererFile: cfg.rendererFile,
    rendererUrl: cfg.rendererUrl,
    preloadPath: cfg.preloadPath,
    bounds: (name) => prefs.bounds(name),
    saveBounds: (name, b) => prefs.saveBounds(name, b),
    workArea: (point) => e.workArea(point),
    log,
  });
  const appApi = createAppApi({
    electron: e,
    service,
    prefs,
    showWindow: (name) => void windows.show(name),
    popoverVisible: () => windows.isVisible('popover'),
    openTerminal: () =>
      openTerminal({
        ...cfg.terminal,
        platform: cfg.platform,
        dlite: cfg.dlite,
        terminal: () => prefs.prefs().terminal,
      }),
  });
  const api = composeApi(service.api, appApi, {
    electron: e,
    popoverVisible: () => windows.isVisible('popover'),
  });

  registerIpcHandlers(e.ipcMain, api, (event) => isTrustedFrame(event.senderFrame, cfg.rendererUrl));
  forwardPushes(api, (channel, payload) => windows.broadcast(channel, payload));

  const onAction = (action: TrayAction): void => void runTrayAction(action);
  const tray = new TrayController({
    tray: e.createTray(`${cfg.iconDir}/${cfg.platform === 'darwin' ? 'stoppedTemplate' : 'stopped'}.png`),
    buildMenu: (template) => e.buildMenu(template),
    platform: cfg.platform,
    iconDir: cfg.iconDir,
    onAction,
    togglePopover: (bounds) => windows.togglePopover(bounds),
  });
  tray.update({
    launchAtLogin: prefs.prefs().launchAtLogin,
    launchAtLoginSupported: prefs.info().launchAtLoginSupported,
  });
  api.onState((status) => tray.update(status.state === 'starting' ? { status } : { status, progress: null }));
  api.onProgress((progress) => tray.update({ progress }));
  api.onService((s) => tray.update({ service: s }));
  api.onAppInfo((info) => tray.update({ launchAtLogin: info.prefs.launchAtLogin }));

  async function runTrayAction(action: TrayAction): Promise<void> {
    const done = (r: { ok: boolean; error?: { message: string } }) => {
      if (!r.ok) e.notify({ title: 'Dlite', body: r.error?.message ?? 'That did not work' });
    };
    switch (action) {
      case 'show-popover':
        return windows.togglePopover({ x: 0, y: 0, width: 0, height: 0 });
      case 'start':
        return void (await api.start());
      case 'stop':
        return done(await api.stop());
      case 'restart':
        return void (await api.restart());
      case 'sleep':
        return done(await api.sleep());
      case 'open-terminal':
        return done(await api.openTerminal());
      case 'copy-docker-host': {
        const endpoint = tray.current().status?.dockerEndpoint;
        if (endpoint) e.writeClipboard(`export DOCKER_HOST=${quoteArg(endpoint)}`);
        return;
      }
      case 'settings':
      case 'logs':
        return void windows.show(action);
      case 'toggle-login':
        return done(prefs.update({ launchAtLogin: !prefs.prefs().launchAtLogin }));
      case 'retry-service':
        return void service.retry();
      case 'quit':
        return e.app.quit();
    }
  }

  // The daemon's system-file question (hosts, exports, the docker.sock link): explained once, then
  // the password prompt; the answer goes back to the daemon, which keeps "don't ask again".
  watchPrivilegedRequests(
    api,
    async (request) => {
      const r = await e.showMessageBox({
        type: 'info',
        ...privilegedDialog(request),
        defaultId: 0,
        cancelId: 1,
      });
      return PRIVILEGED_BUTTONS[r.response]?.answer ?? 'not-now';
    },
    log,
  );
  registerPowerHandlers(e.powerMonitor, api, log);
  e.app.on('second-instance', () => void windows.show('popover'));
  e.app.on('window-all-closed', () => undefined); // a tray app stays when its windows close
  let quitting = false;
  e.app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    void runQuitFlow({
      vmState: () => tray.current().status?.state ?? null,
      quitAction: () => prefs.prefs().quitAction,
      remember: (action) => prefs.setQuitAction(action),
      stopVm: () => api.stop(),
      ask: async () => {
        const r = await e.showMessageBox({
          type: 'question',
          ...QUIT_DIALOG,
          buttons: [...QUIT_DIALOG.buttons],
          defaultId: 0,
          cancelId: 2,
        });
        return { choice: QUIT_DIALOG.choices[r.response] ?? 'cancel', remember: r.checkboxChecked };
      },
    }).then(async (go) => {
      if (!go) return;
      quitting = true;
      windows.closeAll();
      tray.dispose();
      await service.dispose();
      e.app.quit();
    });
  });

  service.start();
  // First launch: with no Dlite home yet the popover opens on its own, offering Set up.
  const offService = service.onService((s) => {
    if (s.phase !== 'ready') return;
    offService();
    void api.hostInfo().then((r) => {
      if (r.ok && !r.value.installed) windows.togglePopover({ x: 0, y: 0, width: 0, height: 0 });
    });
  });
  return {
    api,
    service,
    windows,
    tray,
    prefs,
  };
}
