import type { DliteApi } from '../../../electron/shared/api.js';
import { createHttpApi } from './http-api.js';

declare global {
  interface Window {
    /** Exposed by the preload inside Electron; absent in a plain browser. */
    dlite?: DliteApi;
  }
}

/** The API the UI talks to: the preload's IPC bridge in Electron, else the HTTP bridge. */
export function getApi(): DliteApi {
  return window.dlite ?? createHttpApi();
}
