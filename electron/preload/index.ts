/**
 * Sandboxed preload: exposes `window.dlite: DliteApi` and nothing else.
 * Bundled as one CommonJS file; it may only `require('electron')`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

import { buildIpcApi } from './ipc-api.js';

contextBridge.exposeInMainWorld(
  'dlite',
  buildIpcApi({
    invoke: (channel, arg) => ipcRenderer.invoke(channel, arg),
    on: (channel, listener) => {
      const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
      ipcRenderer.on(channel, wrapped);
      return () => ipcRenderer.removeListener(channel, wrapped);
    },
  }),
);
