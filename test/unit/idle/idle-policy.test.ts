import { describe, expect, it } from 'vitest';

import { IdleClock, shouldSleep } from '../../../electron/core/idle/idle-policy.js';

const quiet = { containers: 0, dockerClients: 0, lastDockerClient: 0, sshSessions: 0 };
const MIN = 60_000;

describe('idle rule', () => {
  it('counts from the start, and sleeps only after the whole setting', () => {
    const c = new IdleClock(0);
    c.observe({ ...quiet, at: 9 * MIN });
    expect(shouldSleep(c.idleForMs(9 * MIN), 10)).toBe(false);
    c.observe({ ...quiet, at: 10 * MIN });
    expect(shouldSleep(c.idleForMs(10 * MIN), 10)).toBe(true);
  });

  it.each([
    ['a running container', { containers: 1 }],
    ['a docker.sock client', { dockerClients: 2 }],
    ['an SSH session', { sshSessions: 1 }],
  ])('%s restarts the clock', (_name, busy) => {
    const c = new IdleClock(0);
    c.observe({ ...quiet, ...busy, at: 8 * MIN });
    c.observe({ ...quiet, at: 15 * MIN });
    expect(c.idleForMs(15 * MIN)).toBe(7 * MIN);
    expect(shouldSleep(c.idleForMs(15 * MIN), 10)).toBe(false);
  });

  it('a client that came and went between two looks counts too', () => {
    const c = new IdleClock(0);
    c.observe({ ...quiet, lastDockerClient: 12 * MIN, at: 20 * MIN });
    expect(c.idleForMs(20 * MIN)).toBe(8 * MIN);
  });

  it('0 minutes means never', () => {
    expect(shouldSleep(Number.MAX_SAFE_INTEGER, 0)).toBe(false);
  });
});
