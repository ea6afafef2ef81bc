import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';

import { registerPowerHandlers } from '../../../electron/main/power.js';
import { err, ok } from '../../../electron/shared/errors.js';
import { STOPPED_STATUS } from '../../fixtures/vm-status.js';

function fakeApi(state: 'running' | 'stopped', syncOk = true) {
  const calls: string[] = [];
  return {
    calls,
    api: {
      status: () => Promise.resolve(ok({ ...STOPPED_STATUS, state })),
      syncClock: () => {
        calls.push('syncClock');
        return Promise.resolve(syncOk ? ok(undefined) : err('ssh-failed', 'no route'));
      },
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('wake from sleep', () => {
  it('syncs the clock of a running VM on resume and on unlock', async () => {
    const power = new EventEmitter();
    const { api, calls } = fakeApi('running');
    const lines: string[] = [];
    const off = registerPowerHandlers(power, api, (l) => lines.push(l));
    power.emit('resume');
    power.emit('unlock-screen');
    await settle();
    expect(calls).toEqual(['syncClock', 'syncClock']);
    expect(lines).toEqual(['wake: VM clock synced', 'wake: VM clock synced']);
    off();
    power.emit('resume');
    await settle();
    expect(calls).toHaveLength(2);
  });

  it('leaves a stopped VM alone and reports a failed sync', async () => {
    const power = new EventEmitter();
    const stopped = fakeApi('stopped');
    registerPowerHandlers(power, stopped.api, () => undefined);
    power.emit('resume');
    await settle();
    expect(stopped.calls).toEqual([]);

    const failing = fakeApi('running', false);
    const lines: string[] = [];
    registerPowerHandlers(power, failing.api, (l) => lines.push(l));
    power.emit('resume');
    await settle();
    expect(lines).toEqual(['wake: could not sync the VM clock: no route']);
  });
});
