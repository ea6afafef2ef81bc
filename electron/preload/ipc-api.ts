import type { DliteApi, InvokeMethod, PushMethod } from '../shared/api.js';
import { INVOKE, PUSH, isDliteChannel } from '../shared/contract.js';
import { err, type Result } from '../shared/errors.js';

/** The two IPC primitives the preload needs; injected so the mapping is testable without Electron. */
export interface IpcPort {
  invoke(channel: string, arg: unknown): Promise<unknown>;
  on(channel: string, listener: (payload: unknown) => void): () => void;
}

/**
 * Builds a {@link DliteApi} over IPC from the contract's channel map.
 * Every channel is checked against the contract (VS Code's validateIPC), and an IPC failure
 * becomes an `internal` error Result rather than a rejection.
 */
export function buildIpcApi(port: IpcPort): DliteApi {
  const invoke =
    (method: InvokeMethod) =>
    async (arg?: unknown): Promise<Result<unknown>> => {
      const { channel } = INVOKE[method];
      if (!isDliteChannel(channel)) return err('internal', `Refused IPC channel ${channel}`);
      try {
        return (await port.invoke(channel, arg)) as Result<unknown>;
      } catch (e) {
        return err('internal', `IPC ${channel} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
  const subscribe =
    (method: PushMethod) =>
    (listener: (payload: never) => void): (() => void) =>
      port.on(PUSH[method].channel, listener as (payload: unknown) => void);

  const api: Record<string, unknown> = {};
  for (const method of Object.keys(INVOKE) as InvokeMethod[]) api[method] = invoke(method);
  for (const method of Object.keys(PUSH) as PushMethod[]) api[method] = subscribe(method);
  return api as unknown as DliteApi;
}
