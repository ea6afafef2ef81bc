/**
 * Electron composition root: connects to the Dlite daemon (starting it when none runs), wires IPC,
 * and opens the popover. Logic lives in the small modules beside this file.
 */
import { BrowserWindow, app, ipcMain, powerMonitor } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { connectHost } from '../core/host/index.js';
import { resolvePaths } from '../core/paths.js';
import { registerPowerHandlers } from './power.js';
import { registerIpcHandlers } from './register-ipc.js';
import { popoverWindowOptions } from './window-options.js';

const here = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  await app.whenReady();
  // The bundled CLI runs the daemon; Electron's binary acts as Node with ELECTRON_RUN_AS_NODE.
  const api = await connectHost(resolvePaths(), {
    spawn: [process.execPath, path.join(here, '../cli/dlite.js'), 'daemon', '--foreground'],
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  const win = new BrowserWindow(popoverWindowOptions(path.join(here, '../preload/index.cjs')));
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  registerIpcHandlers(ipcMain, api, (channel, payload) => win.webContents.send(channel, payload));
  registerPowerHandlers(powerMonitor, api, (line) => process.stdout.write(`${line}\n`));
  await win.loadFile(path.join(here, '../renderer/index.html'));
  win.show();
}

void main();
