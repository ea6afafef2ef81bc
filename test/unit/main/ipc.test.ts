import { describe, expect, it } from 'vitest';

import {
  forwardPushes,
  isTrustedFrame,
  registerIpcHandlers,
  type IpcSenderEvent,
} from '../../../electron/main/ipc/register-ipc.js';
import { buildIpcApi } from '../../../electron/preload/ipc-api.js';
import type { DliteApi } from '../../../electron/shared/api.js';
import { INVOKE, PUSH } from '../../../electron/shared/contract.js';
import { ok } from '../../../electron/shared/errors.js';

const RENDERER = 'file:///Applications/Dlite.app/Contents/Resources/app/dist/renderer/index.html';
const ours: IpcSenderEvent = { senderFrame: { url: `${RENDERER}#settings`, parent: null } };

function fakeIpcMain() {
  const handlers = new Map<string, (e: IpcSenderEvent, a: unknown) => Promise<unknown>>();
  return {
    handlers,
    handle: (ch: string, h: (e: IpcSenderEvent, a: unknown) => Promise<unknown>) => void handlers.set(ch, h),
    removeHandler: (ch: string) => void handlers.delete(ch),
  };
}

function recordingApi(seen: string[]): DliteApi {
  return new Proxy({} as DliteApi, {
    get: (_t, prop: string) =>
      prop.startsWith('on')
        ? () => () => undefined
        : (arg: unknown) => {
            seen.push(prop);
            if (prop === 'restart') throw new Error('boom');
            return Promise.resolve(ok(arg ?? prop));
          },
  });
}

describe('IPC handlers generated from the contract', () => {
  it('serve exactly the contract’s invoke channels, preload to main, turning throws into Results', async () => {
    const ipc = fakeIpcMain();
    const seen: string[] = [];
    const cleanup = registerIpcHandlers(ipc, recordingApi(seen), (e) =>
      isTrustedFrame(e.senderFrame, RENDERER),
    );
    expect([...ipc.handlers.keys()].sort()).toEqual(
      Object.values(INVOKE)
        .map((r) => r.channel)
        .sort(),
    );
    const client = buildIpcApi({
      invoke: (ch, arg) => ipc.handlers.get(ch)!(ours, arg),
      on: () => () => undefined,
    });
    expect(await client.status()).toEqual(ok('status'));
    expect(await client.updateSettings({ cpu_count: 2 })).toEqual(ok({ cpu_count: 2 }));
    expect(await client.showWindow('logs')).toEqual(ok('logs'));
    expect(await client.restart()).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
    expect(seen).toEqual(['status', 'updateSettings', 'showWindow', 'restart']);
    cleanup();
    expect(ipc.handlers.size).toBe(0);
  });

  it.each([
    ['another page', { url: 'https://evil.example/', parent: null }],
    ['a subframe of ours', { url: RENDERER, parent: {} }],
    ['our page with a query', { url: `${RENDERER}?x=1`, parent: null }],
    ['another file', { url: 'file:///tmp/index.html', parent: null }],
    ['a destroyed frame', null],
  ])('refuse calls from %s before they reach the API', async (_what, frame) => {
    const ipc = fakeIpcMain();
    const seen: string[] = [];
    registerIpcHandlers(ipc, recordingApi(seen), (e) => isTrustedFrame(e.senderFrame, RENDERER));
    const r = (await ipc.handlers.get(INVOKE.start.channel)!({ senderFrame: frame }, undefined)) as {
      ok: boolean;
      error: { code: string; message: string };
    };
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('invalid-argument');
    expect(r.error.message).toMatch(/^Refused dlite:vm:start from /);
    expect(seen).toEqual([]);
  });

  it('forward every push channel to the windows', () => {
    const emit = new Map<string, (p: unknown) => void>();
    const api = new Proxy({} as DliteApi, {
      get: (_t, prop: string) => (l: (p: unknown) => void) => (emit.set(prop, l), () => emit.delete(prop)),
    });
    const sent: [string, unknown][] = [];
    const off = forwardPushes(api, (c, p) => sent.push([c, p]));
    expect([...emit.keys()].sort()).toEqual(Object.keys(PUSH).sort());
    emit.get('onState')?.({ state: 'running' });
    emit.get('onService')?.({ phase: 'ready', message: null });
    expect(sent).toEqual([
      [PUSH.onState.channel, { state: 'running' }],
      [PUSH.onService.channel, { phase: 'ready', message: null }],
    ]);
    off();
    expect(emit.size).toBe(0);
  });
});
