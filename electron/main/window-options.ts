import type { BrowserWindowConstructorOptions } from 'electron';

/** Security defaults for every Dlite window: isolated, sandboxed, no Node in the page. */
export function secureWebPreferences(
  preloadPath: string,
): NonNullable<BrowserWindowConstructorOptions['webPreferences']> {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
    spellcheck: false,
  };
}

/** The popover under the tray icon. */
export function popoverWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 340,
    height: 420,
    show: false,
    frame: false,
    resizable: false,
    fullscreenable: false,
    skipTaskbar: true,
    webPreferences: secureWebPreferences(preloadPath),
  };
}
