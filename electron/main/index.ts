/**
 * Electron composition root: hosts the supervisor (through the control client for now),
 * wires IPC, and opens the popover. Logic lives in the small modules beside this file.
 */
import { BrowserWindow, app, ipcMain, powerMonitor } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createControlClient } from '../core/control/client.js';
import { resolvePaths } from '../core/paths.js';
import { registerPowerHandlers } from './power.js';
import { registerIpcHandlers } from './register-ipc.js';
import { popoverWindowOptions } from './window-options.js';

const here = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  await app.whenReady();
  const api = createControlClient(resolvePaths().controlSocket);
  const win = new BrowserWindow(popoverWindowOptions(path.join(here, '../preload/index.cjs')));
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  registerIpcHandlers(ipcMain, api, (channel, payload) => win.webContents.send(channel, payload));
  registerPowerHandlers(powerMonitor, api, (line) => process.stdout.write(`${line}\n`));
  await win.loadFile(path.join(here, '../renderer/index.html'));
  win.show();
}

void main();
