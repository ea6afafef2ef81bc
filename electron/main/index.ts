/**
 * Electron composition root: resolves where this installation keeps its parts and hands the real
 * Electron objects to `startApp`. Logic lives in the small modules beside this file.
 */
import {
  BrowserWindow,
  Menu,
  Notification,
  Tray,
  app,
  clipboard,
  dialog,
  ipcMain,
  powerMonitor,
  screen,
  session,
} from 'electron';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { createFileLogger } from '../core/log/logger.js';
import { resolvePaths } from '../core/paths.js';
import { binaryOnPath } from '../core/drivers/registry.js';
import { startApp } from './app-main.js';
import { createControlHost } from './daemon/control-host.js';
import type { ElectronPort } from './electron-port.js';
import { electronPrefsStore } from './prefs/electron-prefs-store.js';
import { denyAllPermissions } from './windows/security.js';
import { installLayout } from './install-layout.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const layout = installLayout({
  here,
  packaged: app.isPackaged,
  resourcesPath: process.resourcesPath,
  execPath: process.execPath,
  arch: process.arch,
});
const paths = resolvePaths();
/** `dlite` as this app runs it, pinned to the app's Dlite home (the terminal's shell may not have DLITE_HOME). */
const dlite = { ...layout.dlite, env: { ...layout.dlite.env, DLITE_HOME: paths.home } };

const electron: ElectronPort = {
  app,
  ipcMain,
  powerMonitor,
  createWindow: (options) => new BrowserWindow(options),
  createTray: (image) => new Tray(image),
  buildMenu: (template) => Menu.buildFromTemplate(template),
  notify: (note) => {
    if (Notification.isSupported()) new Notification(note).show();
  },
  showMessageBox: (options) => dialog.showMessageBox(options),
  showOpenDialog: (options) => dialog.showOpenDialog(options),
  writeClipboard: (text) => clipboard.writeText(text),
  workArea: (point) => screen.getDisplayNearestPoint(point).workArea,
  denyPermissions: () => denyAllPermissions(session.defaultSession),
};

void startApp(electron, {
  platform: process.platform,
  hostPort: createControlHost({ paths, dlite }),
  prefsStore: electronPrefsStore(),
  rendererFile: layout.rendererFile,
  rendererUrl: pathToFileURL(layout.rendererFile).href,
  preloadPath: layout.preloadPath,
  iconDir: layout.iconDir,
  dlite,
  cliPath: layout.cliPath,
  logger: createFileLogger(path.join(paths.logDir, 'app.log')),
  terminal: {
    installed: (t) => binaryOnPath(t),
    writeScript: (file, content) => writeFile(file, content, { mode: 0o700, flag: 'wx' }),
    spawnDetached: (command, args) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(command, [...args], { detached: true, stdio: 'ignore' });
        child.once('error', reject);
        child.once('spawn', () => {
          child.unref();
          resolve();
        });
      }),
  },
});
