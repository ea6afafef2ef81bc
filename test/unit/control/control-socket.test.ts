import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createControlClient } from '../../../electron/core/control/client.js';
import { startControlServer, type ControlServer } from '../../../electron/core/control/server.js';
import type { DliteApi } from '../../../electron/shared/api.js';
import { err, ok } from '../../../electron/shared/errors.js';
import type { VmStatus } from '../../../electron/shared/types.js';
import { STOPPED_STATUS } from '../../fixtures/vm-status.js';

const stopped: VmStatus = STOPPED_STATUS;

/** A minimal in-memory DliteApi: this suite tests the transport, not the supervisor. */
function recordingApi(): DliteApi & { calls: unknown[]; emitState(s: VmStatus): void } {
  const stateListeners = new Set<(s: VmStatus) => void>();
  const calls: unknown[] = [];
  const unsupported = () => Promise.resolve(err('not-supported', 'not here'));
  return {
    calls,
    emitState: (s) => stateListeners.forEach((l) => l(s)),
    status: () => Promise.resolve(ok(stopped)),
    start: () => Promise.resolve(ok({ ...stopped, state: 'running' as const })),
    stop: () => Promise.resolve(ok(stopped)),
    restart: unsupported,
    getSettings: unsupported,
    updateSettings: (patch) => {
      calls.push(patch);
      return Promise.resolve(
        err('invalid-settings', 'cpu_count: must be between 1 and 2', { field: 'cpu_count' }),
      );
    },
    logs: unsupported,
    openTerminal: unsupported,
    syncClock: unsupported,
    answerPrivileged: (answer) => {
      calls.push(answer);
      return Promise.resolve(ok(undefined));
    },
    sleep: unsupported,
    reclaimDisk: unsupported,
    checkForUpdate: unsupported,
    applyUpdate: unsupported,
    rollbackUpdate: unsupported,
    hostInfo: unsupported,
    checkSettings: unsupported,
    install: unsupported,
    pickFolder: unsupported,
    getAppInfo: unsupported,
    setAppPrefs: unsupported,
    showWindow: unsupported,
    quit: unsupported,
    retryService: unsupported,
    onService: () => () => undefined,
    onAppInfo: () => () => undefined,
    onState: (l) => {
      stateListeners.add(l);
      return () => stateListeners.delete(l);
    },
    onProgress: () => () => undefined,
    onLog: () => () => undefined,
  };
}

describe('control socket', () => {
  let dir: string;
  let server: ControlServer;
  let api: ReturnType<typeof recordingApi>;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-ctl-'));
    api = recordingApi();
    server = await startControlServer(api, path.join(dir, 'run', 'control.sock'));
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is a 0600 socket', async () => {
    const st = await stat(server.socketPath);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it('carries calls, arguments and typed errors end to end', async () => {
    const client = createControlClient(server.socketPath);
    const status = await client.status();
    expect(status).toEqual({ ok: true, value: stopped });
    const started = await client.start();
    expect(started.ok && started.value.state).toBe('running');
    const update = await client.updateSettings({ cpu_count: 99 });
    expect(update.ok).toBe(false);
    if (!update.ok) {
      expect(update.error).toMatchObject({ code: 'invalid-settings', details: { field: 'cpu_count' } });
    }
    expect(api.calls).toEqual([{ cpu_count: 99 }]);
    expect(await client.answerPrivileged({ id: 'q1', answer: 'not-now' })).toEqual({
      ok: true,
      value: undefined,
    });
    expect(api.calls.at(-1)).toEqual({ id: 'q1', answer: 'not-now' });
  });

  it('streams the current state first, then state events, and stops on unsubscribe', async () => {
    const client = createControlClient(server.socketPath);
    const received: VmStatus[] = [];
    const off = client.onState((s) => received.push(s));
    await expect.poll(() => received.map((s) => s.state)).toEqual(['stopped']);
    api.emitState({ ...stopped, state: 'starting' });
    await expect.poll(() => received.map((s) => s.state)).toEqual(['stopped', 'starting']);
    off();
    api.emitState({ ...stopped, state: 'running' });
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(2);
    client.close();
  });

  it('reports a missing daemon as daemon-unreachable', async () => {
    const client = createControlClient(path.join(dir, 'nope.sock'));
    const r = await client.status();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('daemon-unreachable');
  });
});
