import type {
  BrowserWindowConstructorOptions,
  MenuItemConstructorOptions,
  MessageBoxOptions,
  OpenDialogOptions,
} from 'electron';

import type { IpcMainPort } from './ipc/register-ipc.js';
import type { Notify } from './notifications.js';
import type { PowerEvents } from './power.js';
import type { Bounds } from './prefs/app-prefs.js';
import type { TrayPort } from './tray/tray-controller.js';
import type { WindowPort } from './windows/window-manager.js';

/** The slice of Electron's `app` main uses. */
export interface AppPort {
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<unknown>;
  quit(): void;
  on(event: 'second-instance' | 'window-all-closed' | 'activate', listener: () => void): unknown;
  on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  readonly dock?: { hide(): void } | undefined;
  getVersion(): string;
  getLoginItemSettings(): { openAtLogin: boolean };
  setLoginItemSettings(settings: { openAtLogin: boolean }): void;
}

/**
 * Every Electron object main touches, behind one small interface: `index.ts` passes the real
 * ones, tests pass fakes, so the wiring is checked without the Electron binary.
 */
export interface ElectronPort {
  readonly app: AppPort;
  readonly ipcMain: IpcMainPort;
  readonly powerMonitor: PowerEvents;
  createWindow(options: BrowserWindowConstructorOptions): WindowPort;
  createTray(image: string): TrayPort;
  buildMenu(template: MenuItemConstructorOptions[]): unknown;
  readonly notify: Notify;
  showMessageBox(options: MessageBoxOptions): Promise<{ response: number; checkboxChecked: boolean }>;
  showOpenDialog(options: OpenDialogOptions): Promise<{ canceled: boolean; filePaths: string[] }>;
  writeClipboard(text: string): void;
  /** The work area of the display nearest `point`. */
  workArea(point: { x: number; y: number }): Bounds;
  /** Refuses every permission request of the pages. */
  denyPermissions(): void;
}
