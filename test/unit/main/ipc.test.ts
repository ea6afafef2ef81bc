import { describe, expect, it } from 'vitest';

import { buildIpcApi } from '../../../electron/preload/ipc-api.js';
import { registerIpcHandlers } from '../../../electron/main/register-ipc.js';
import { secureWebPreferences } from '../../../electron/main/window-options.js';
import type { DliteApi } from '../../../electron/shared/api.js';
import { INVOKE, PUSH } from '../../../electron/shared/contract.js';
import { ok } from '../../../electron/shared/errors.js';

describe('Electron IPC wiring (without Electron)', () => {
  it('keeps windows isolated and sandboxed', () => {
    const prefs = secureWebPreferences('/app/preload.cjs');
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
  });

  it('round-trips every invoke channel from preload to main, turning throws into Results', async () => {
    const handlers = new Map<string, (e: unknown, a: unknown) => Promise<unknown>>();
    const fakeIpcMain = {
      handle: (ch: string, h: (e: unknown, a: unknown) => Promise<unknown>) => void handlers.set(ch, h),
      removeHandler: (ch: string) => void handlers.delete(ch),
    };
    const seen: string[] = [];
    const api = new Proxy({} as DliteApi, {
      get: (_t, prop: string) =>
        prop.startsWith('on')
          ? () => () => undefined
          : (arg: unknown) => {
              seen.push(prop);
              if (prop === 'restart') throw new Error('boom');
              return Promise.resolve(ok(arg ?? prop));
            },
    });
    const cleanup = registerIpcHandlers(fakeIpcMain as never, api, () => undefined);
    expect([...handlers.keys()].sort()).toEqual(
      Object.values(INVOKE)
        .map((r) => r.channel)
        .sort(),
    );

    const client = buildIpcApi({
      invoke: (ch, arg) => handlers.get(ch)!(null, arg),
      on: () => () => undefined,
    });
    expect(await client.status()).toEqual(ok('status'));
    expect(await client.updateSettings({ cpu_count: 2 })).toEqual(ok({ cpu_count: 2 }));
    const failed = await client.restart();
    expect(failed).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
    expect(seen).toEqual(['status', 'updateSettings', 'restart']);
    cleanup();
    expect(handlers.size).toBe(0);
  });

  it('forwards pushes on the contract channels', () => {
    const sent: [string, unknown][] = [];
    let emit: ((s: unknown) => void) | undefined;
    const api = new Proxy({} as DliteApi, {
      get: (_t, prop: string) =>
        prop === 'onState'
          ? (l: (s: unknown) => void) => {
              emit = l;
              return () => undefined;
            }
          : prop.startsWith('on')
            ? () => () => undefined
            : () => Promise.resolve(ok(null)),
    });
    registerIpcHandlers({ handle: () => undefined, removeHandler: () => undefined }, api, (c, p) =>
      sent.push([c, p]),
    );
    emit?.({ state: 'running' });
    expect(sent).toEqual([[PUSH.onState.channel, { state: 'running' }]]);
  });
});
