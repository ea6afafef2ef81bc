import { describe, expect, it } from 'vitest';

import { DaemonService, backoffMs } from '../../../electron/main/daemon/daemon-service.js';
import type { HostConnection, HostPort } from '../../../electron/main/daemon/host-port.js';
import type { DliteApi } from '../../../electron/shared/api.js';
import type { ServiceStatus } from '../../../electron/shared/app-types.js';
import { ok } from '../../../electron/shared/errors.js';
import type { VmStatus } from '../../../electron/shared/types.js';
import { STOPPED_STATUS } from '../../fixtures/vm-status.js';

/** A daemon connection whose pushes and loss the test controls. */
function fakeConnection(status: VmStatus) {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let lose: (reason: string) => void = () => undefined;
  const lost = new Promise<string>((r) => (lose = r));
  const calls: string[] = [];
  const api = new Proxy({} as DliteApi, {
    get: (_t, prop: string) =>
      prop.startsWith('on')
        ? (l: (p: unknown) => void) => {
            const set = listeners.get(prop) ?? new Set();
            listeners.set(prop, set);
            set.add(l);
            return () => set.delete(l);
          }
        : () => {
            calls.push(prop);
            return Promise.resolve(ok(status));
          },
  });
  let closed = false;
  const conn: HostConnection = { api, lost, close: () => (closed = true) };
  return {
    conn,
    calls,
    push: (m: string, p: unknown) => listeners.get(m)?.forEach((l) => l(p)),
    listeners: (m: string) => listeners.get(m)?.size ?? 0,
    lose: (reason: string) => lose(reason),
    closed: () => closed,
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));
async function until(what: string, fn: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !fn(); i += 1) await tick();
  if (!fn()) throw new Error(`never: ${what}`);
}

describe('DaemonService', () => {
  it('connects, replays the state, forwards calls and pushes, and reconnects after a loss', async () => {
    const first = fakeConnection({ ...STOPPED_STATUS, state: 'running' });
    const second = fakeConnection(STOPPED_STATUS);
    const queue = [first, second];
    const port: HostPort = { connect: () => Promise.resolve(queue.shift()!.conn) };
    const svc = new DaemonService(port, { sleep: () => Promise.resolve() });
    const phases: ServiceStatus['phase'][] = [];
    const states: string[] = [];
    svc.onService((s) => phases.push(s.phase));
    svc.api.onState((s) => states.push(s.state));
    expect(await svc.api.status()).toMatchObject({
      ok: false,
      error: { code: 'daemon-unreachable', message: 'Starting Dlite service…' },
    });
    svc.start();
    await until('ready', () => svc.status().phase === 'ready');
    await until('replay', () => states.length === 1);
    expect(states).toEqual(['running']);
    first.push('onState', { ...STOPPED_STATUS, state: 'stopping' });
    expect(states).toEqual(['running', 'stopping']);
    expect((await svc.api.stop()).ok).toBe(true);
    expect(first.calls).toContain('stop');

    first.lose('The Dlite daemon stopped answering');
    await until('second connection', () => second.listeners('onState') === 1);
    expect(first.closed()).toBe(true);
    expect(first.listeners('onState')).toBe(0);
    await until('replay from the new daemon', () => states.at(-1) === 'stopped');
    expect(phases).toEqual(['ready', 'connecting', 'ready']);
    await svc.dispose();
    expect(second.closed()).toBe(true);
  });

  it('backs off, shows failed with the reason after repeated failures, and tries again on Retry', async () => {
    const waits: number[] = [];
    let attempts = 0;
    const good = fakeConnection(STOPPED_STATUS);
    const port: HostPort = {
      connect: () => {
        attempts += 1;
        return attempts <= 3
          ? Promise.reject(new Error('The Dlite daemon exited (exit code 1): bad config'))
          : Promise.resolve(good.conn);
      },
    };
    const svc = new DaemonService(port, {
      maxAttempts: 3,
      sleep: (ms) => (waits.push(ms), Promise.resolve()),
    });
    svc.start();
    await until('failed', () => svc.status().phase === 'failed');
    expect(svc.status().message).toBe('The Dlite daemon exited (exit code 1): bad config');
    expect(waits).toEqual([backoffMs(1), backoffMs(2)]);
    const r = await svc.api.start();
    expect(r.ok || r.error.message).toBe(
      'The Dlite service could not start: The Dlite daemon exited (exit code 1): bad config',
    );
    expect(svc.retry().phase).toBe('connecting');
    await until('ready after retry', () => svc.status().phase === 'ready');
    await svc.dispose();
  });

  it('counts a daemon that dies right after connecting as a failure, so respawns back off', async () => {
    const conns = [
      fakeConnection(STOPPED_STATUS),
      fakeConnection(STOPPED_STATUS),
      fakeConnection(STOPPED_STATUS),
    ];
    let i = 0;
    const waits: number[] = [];
    const port: HostPort = { connect: () => Promise.resolve(conns[i++]!.conn) };
    let clock = 0;
    const svc = new DaemonService(port, {
      now: () => clock,
      stableMs: 30_000,
      sleep: (ms) => (waits.push(ms), Promise.resolve()),
    });
    svc.start();
    await until('first', () => conns[0]!.listeners('onState') === 1);
    clock += 1000;
    conns[0]!.lose('gone');
    await until('second', () => conns[1]!.listeners('onState') === 1);
    clock += 1000;
    conns[1]!.lose('gone again');
    await until('third', () => conns[2]!.listeners('onState') === 1);
    expect(waits).toEqual([backoffMs(1), backoffMs(2)]);
    expect(backoffMs(2)).toBeGreaterThan(backoffMs(1));
    expect(backoffMs(20)).toBe(15_000);
    await svc.dispose();
  });
});
