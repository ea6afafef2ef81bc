import type { DliteApi, InvokeMethod, PushMethod } from '../../shared/api.js';
import { INVOKE, PUSH } from '../../shared/contract.js';
import { err } from '../../shared/errors.js';

/** The part of an `IpcMainInvokeEvent` the handlers read. */
export interface IpcSenderEvent {
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

/** The slice of Electron's `ipcMain` the handlers need. */
export interface IpcMainPort {
  handle(channel: string, listener: (event: IpcSenderEvent, arg: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/**
 * Serves every invoke channel of the contract from `api`: the table is generated from `INVOKE`,
 * so a method added to the contract is served without touching this file. A call from a frame
 * that `isTrusted` refuses (another page, a subframe) is answered with an error and never reaches
 * `api`. Handlers never throw across IPC: a throw becomes an `internal` Result.
 * Returns a cleanup that removes the handlers.
 */
export function registerIpcHandlers(
  ipcMain: IpcMainPort,
  api: DliteApi,
  isTrusted: (event: IpcSenderEvent) => boolean,
): () => void {
  const methods = Object.keys(INVOKE) as InvokeMethod[];
  for (const method of methods) {
    const { channel } = INVOKE[method];
    ipcMain.handle(channel, async (event, arg) => {
      if (!isTrusted(event)) {
        return err(
          'invalid-argument',
          `Refused ${channel} from ${event.senderFrame?.url ?? 'an unknown frame'}`,
        );
      }
      try {
        const fn = api[method] as (a?: unknown) => Promise<unknown>;
        return await fn(arg);
      } catch (e) {
        return err('internal', e instanceof Error ? e.message : String(e));
      }
    });
  }
  return () => {
    for (const method of methods) ipcMain.removeHandler(INVOKE[method].channel);
  };
}

/** Forwards every push subscription of the contract to `send` (every window). Returns a cleanup. */
export function forwardPushes(api: DliteApi, send: (channel: string, payload: unknown) => void): () => void {
  const offs = (Object.keys(PUSH) as PushMethod[]).map((method) =>
    (api[method] as (l: (p: unknown) => void) => () => void)((payload) =>
      send(PUSH[method].channel, payload),
    ),
  );
  return () => offs.forEach((off) => off());
}

/**
 * True when a call comes from the top frame of our own renderer page: `rendererUrl` (a `file://`
 * URL) with any hash (the window's view) and no query. Everything else is refused.
 */
export function isTrustedFrame(frame: IpcSenderEvent['senderFrame'], rendererUrl: string): boolean {
  if (frame === null || frame.parent !== null) return false;
  try {
    const url = new URL(frame.url);
    const expected = new URL(rendererUrl);
    return (
      url.protocol === expected.protocol &&
      url.host === expected.host &&
      url.pathname === expected.pathname &&
      url.search === ''
    );
  } catch {
    return false;
  }
}
