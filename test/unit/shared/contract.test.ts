import { describe, expect, it } from 'vitest';

import type { DliteApi } from '../../../electron/shared/api.js';
import { ALL_CHANNELS, INVOKE, PUSH, isDliteChannel } from '../../../electron/shared/contract.js';
import { ERROR_CODES, err, isErrorDto, ok } from '../../../electron/shared/errors.js';

/** Every method of DliteApi, listed by hand so a method added to the interface but not here fails typecheck. */
const API_METHODS = {
  status: 'invoke',
  start: 'invoke',
  stop: 'invoke',
  restart: 'invoke',
  getSettings: 'invoke',
  updateSettings: 'invoke',
  logs: 'invoke',
  openTerminal: 'invoke',
  syncClock: 'invoke',
  answerPrivileged: 'invoke',
  sleep: 'invoke',
  reclaimDisk: 'invoke',
  checkForUpdate: 'invoke',
  applyUpdate: 'invoke',
  rollbackUpdate: 'invoke',
  hostInfo: 'invoke',
  checkSettings: 'invoke',
  install: 'invoke',
  pickFolder: 'invoke',
  getAppInfo: 'invoke',
  setAppPrefs: 'invoke',
  showWindow: 'invoke',
  quit: 'invoke',
  retryService: 'invoke',
  onState: 'push',
  onProgress: 'push',
  onLog: 'push',
  onService: 'push',
  onAppInfo: 'push',
} as const satisfies Record<keyof DliteApi, 'invoke' | 'push'>;

describe('the DliteApi contract', () => {
  it('maps every API method to exactly one channel', () => {
    const invoke = Object.entries(API_METHODS)
      .filter(([, k]) => k === 'invoke')
      .map(([m]) => m);
    const push = Object.entries(API_METHODS)
      .filter(([, k]) => k === 'push')
      .map(([m]) => m);
    expect(Object.keys(INVOKE).sort()).toEqual(invoke.sort());
    expect(Object.keys(PUSH).sort()).toEqual(push.sort());
  });

  it('uses unique dlite:<area>:<verb> channels', () => {
    expect(new Set(ALL_CHANNELS).size).toBe(ALL_CHANNELS.length);
    for (const channel of ALL_CHANNELS) expect(channel).toMatch(/^dlite:[a-z-]+:[a-z-]+$/);
    expect(isDliteChannel('dlite:vm:start')).toBe(true);
    expect(isDliteChannel('dlite:vm:format-disk')).toBe(false);
  });

  it('gives every invoke method a unique control-socket route', () => {
    const routes = Object.values(INVOKE).map((r) => `${r.method} ${r.path}`);
    expect(new Set(routes).size).toBe(routes.length);
    for (const r of Object.values(INVOKE)) expect(r.path).toMatch(/^\/v1\//);
  });

  it('builds serializable results with closed error codes', () => {
    const failure = err('invalid-settings', 'cpu_count: must be 1..2', { field: 'cpu_count' });
    const roundTrip = JSON.parse(JSON.stringify(failure)) as typeof failure;
    expect(roundTrip).toEqual(failure);
    expect(roundTrip.ok).toBe(false);
    if (!roundTrip.ok) expect(isErrorDto(roundTrip.error)).toBe(true);
    expect(isErrorDto({ code: 'made-up', message: 'x' })).toBe(false);
    expect(ok(3)).toEqual({ ok: true, value: 3 });
    expect(ERROR_CODES).toContain('internal');
  });
});
