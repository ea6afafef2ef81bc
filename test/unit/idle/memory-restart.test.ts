import { describe, expect, it } from 'vitest';

import {
  MEMORY_RESTART,
  idleLevel,
  memoryRestartReason,
  type FootprintLook,
} from '../../../electron/core/idle/memory-restart.js';

const MIB = 2 ** 20;
/** A bloated vfkit VM: idle at 600 MiB, now 1,500 MiB, quiet for 5 minutes, the setting on. */
const bloated: FootprintLook = {
  enabled: true,
  memoryReturn: 'none',
  idleForMs: 5 * 60_000,
  rssBytes: 1500 * MIB,
  idleRssBytes: 600 * MIB,
};

describe('restart to free memory', () => {
  it('restarts a quiet VM far above its idle level, saying why', () => {
    expect(memoryRestartReason(bloated)).toBe(
      'the hypervisor holds 1500 MiB, 2.5× its idle 600 MiB, and cannot return freed memory',
    );
  });

  it.each<[string, Partial<FootprintLook>]>([
    ['the setting is off', { enabled: false }],
    ['the hypervisor returns freed memory itself', { memoryReturn: 'free-page-reporting' }],
    ['the VM has not been quiet long enough', { idleForMs: MEMORY_RESTART.quietMs - 1 }],
    ['no RSS figure yet', { rssBytes: null }],
    ['no idle level yet', { idleRssBytes: null }],
    ['below 1.5× the idle level', { idleRssBytes: 1100 * MIB, rssBytes: 1600 * MIB }],
    ['less than 512 MiB above it (a small VM)', { idleRssBytes: 300 * MIB, rssBytes: 800 * MIB }],
  ])('leaves the VM alone when %s', (_why, change) => {
    expect(memoryRestartReason({ ...bloated, ...change })).toBeNull();
  });

  it('takes both thresholds at their exact values', () => {
    expect(memoryRestartReason({ ...bloated, idleRssBytes: 1024 * MIB, rssBytes: 1536 * MIB })).toMatch(
      /1\.5× its idle 1024 MiB/,
    );
    expect(memoryRestartReason({ ...bloated, idleForMs: MEMORY_RESTART.quietMs })).not.toBeNull();
  });

  it('honours a shorter quiet time', () => {
    expect(memoryRestartReason({ ...bloated, idleForMs: 1_000 }, 500)).not.toBeNull();
  });

  it('records the idle level the first time the VM is seen idle, then keeps it', () => {
    expect(idleLevel(null, 700 * MIB, false)).toBeNull();
    expect(idleLevel(null, null, true)).toBeNull();
    expect(idleLevel(null, 600 * MIB, true)).toBe(600 * MIB);
    expect(idleLevel(600 * MIB, 1500 * MIB, true)).toBe(600 * MIB);
  });
});
