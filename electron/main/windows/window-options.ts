import type { BrowserWindowConstructorOptions } from 'electron';

import type { AppWindow } from '../../shared/app-types.js';

/** Security defaults for every Dlite window: isolated, sandboxed, no Node in the page. */
export function secureWebPreferences(
  preloadPath: string,
): NonNullable<BrowserWindowConstructorOptions['webPreferences']> {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/** Window sizes, in points. */
export const WINDOW_SIZES: Record<AppWindow, { width: number; height: number }> = {
  popover: { width: 360, height: 440 },
  settings: { width: 640, height: 480 },
  logs: { width: 720, height: 480 },
};

const TITLES: Record<AppWindow, string> = {
  popover: 'Dlite',
  settings: 'Dlite Settings',
  logs: 'Dlite Logs',
};

/**
 * The options of each window (pure). The popover is a frameless panel under the tray icon that
 * hides when it loses focus; settings and logs are ordinary resizable windows.
 */
export function windowOptions(
  name: AppWindow,
  preloadPath: string,
  platform: NodeJS.Platform,
): BrowserWindowConstructorOptions {
  const { width, height } = WINDOW_SIZES[name];
  const common: BrowserWindowConstructorOptions = {
    width,
    height,
    title: TITLES[name],
    show: false,
    fullscreenable: false,
    backgroundColor: '#00000000',
    webPreferences: secureWebPreferences(preloadPath),
  };
  if (name === 'popover') {
    return {
      ...common,
      frame: false,
      resizable: false,
      movable: false,
      minimizable: false,
      maximizable: false,
      skipTaskbar: true,
      alwaysOnTop: true,
      transparent: platform === 'darwin',
      ...(platform === 'darwin'
        ? { vibrancy: 'popover' as const, visualEffectState: 'active' as const }
        : {}),
    };
  }
  return {
    ...common,
    minWidth: Math.round(width * 0.8),
    minHeight: Math.round(height * 0.75),
    resizable: true,
    maximizable: name === 'logs',
    ...(platform === 'darwin' ? { titleBarStyle: 'default' as const } : { autoHideMenuBar: true }),
  };
}
