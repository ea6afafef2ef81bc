import { describe, expect, it } from 'vitest';

import { isHealthy } from '../../../electron/cli/status-text.js';
import type { VmStatus } from '../../../electron/shared/types.js';
import { STOPPED_STATUS } from '../../fixtures/vm-status.js';

const with_ = (s: Partial<VmStatus>): VmStatus => ({ ...STOPPED_STATUS, ...s });

describe('dlite status exit code', () => {
  it.each<[string, Partial<VmStatus>, boolean]>([
    ['running, Docker answering', { state: 'running' }, true],
    [
      'running, engine unresponsive',
      { state: 'running', engineUnresponsiveSince: '2026-11-30T05:00:00Z' },
      false,
    ],
    ['sleeping: the next docker command wakes it', { state: 'sleeping' }, true],
    ['stopped', { state: 'stopped' }, false],
    ['starting', { state: 'starting' }, false],
    ['stopping', { state: 'stopping' }, false],
    ['error', { state: 'error' }, false],
  ])('%s → %s', (_name, status, healthy) => {
    expect(isHealthy(with_(status))).toBe(healthy);
  });
});
