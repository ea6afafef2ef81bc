import type { IpcMain } from 'electron';

import type { DliteApi, InvokeMethod, PushMethod } from '../shared/api.js';
import { INVOKE, PUSH } from '../shared/contract.js';
import { err } from '../shared/errors.js';

/**
 * Serves every invoke channel of the contract from `api` and forwards every push
 * subscription to `send`. Handlers never throw across IPC: failures become Results.
 * Returns a cleanup that removes the handlers and subscriptions.
 */
export function registerIpcHandlers(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  api: DliteApi,
  send: (channel: string, payload: unknown) => void,
): () => void {
  const methods = Object.keys(INVOKE) as InvokeMethod[];
  for (const method of methods) {
    ipcMain.handle(INVOKE[method].channel, async (_event, arg: unknown) => {
      try {
        const fn = api[method] as (a?: unknown) => Promise<unknown>;
        return await fn.call(api, arg);
      } catch (e) {
        return err('internal', e instanceof Error ? e.message : String(e));
      }
    });
  }
  const unsubscribers = (Object.keys(PUSH) as PushMethod[]).map((method) =>
    (api[method] as (l: (p: unknown) => void) => () => void).call(api, (payload: unknown) =>
      send(PUSH[method].channel, payload),
    ),
  );
  return () => {
    for (const method of methods) ipcMain.removeHandler(INVOKE[method].channel);
    for (const off of unsubscribers) off();
  };
}
