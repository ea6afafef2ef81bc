import { describe, expect, it } from 'vitest';

import {
  AUTO_RESTART,
  IllegalTransitionError,
  START_STEPS,
  TRANSITIONS,
  assertTransition,
  canTransition,
  mayAutoRestart,
} from '../../../electron/core/supervisor/state.js';
import { VM_STATES } from '../../../electron/shared/types.js';

describe('supervisor state table', () => {
  const allowed: [string, string][] = [
    ['stopped', 'starting'],
    ['stopped', 'sleeping'],
    ['starting', 'running'],
    ['starting', 'stopping'],
    ['starting', 'error'],
    ['running', 'stopping'],
    ['running', 'error'],
    ['stopping', 'stopped'],
    ['stopping', 'sleeping'],
    ['sleeping', 'starting'],
    ['sleeping', 'stopped'],
    ['stopping', 'error'],
    ['error', 'starting'],
    ['error', 'stopping'],
    ['error', 'stopped'],
  ];

  it('allows exactly the documented transitions', () => {
    for (const from of VM_STATES) {
      for (const to of VM_STATES) {
        const expected = allowed.some(([f, t]) => f === from && t === to);
        expect(canTransition(from, to), `${from} → ${to}`).toBe(expected);
      }
    }
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...VM_STATES].sort());
  });

  it('throws on an illegal transition, naming both states', () => {
    expect(() => assertTransition('stopped', 'running')).toThrow(IllegalTransitionError);
    expect(() => assertTransition('running', 'starting')).toThrow('running → starting');
    expect(() => assertTransition('stopped', 'starting')).not.toThrow();
  });

  it('names every start step once', () => {
    const names = START_STEPS.map((s) => s.step);
    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).toBe('validate');
    expect(names.at(-1)).toBe('configure');
  });

  it('allows at most 3 auto-restarts within 5 minutes, with growing delays', () => {
    const now = 10 * 60_000;
    expect(mayAutoRestart([], now)).toBe(true);
    expect(mayAutoRestart([now - 1000, now - 2000], now)).toBe(true);
    expect(mayAutoRestart([now - 1000, now - 2000, now - 3000], now)).toBe(false);
    expect(mayAutoRestart([now - 6 * 60_000, now - 2000, now - 3000], now)).toBe(true);
    expect(AUTO_RESTART.delayMs(1)).toBeLessThan(AUTO_RESTART.delayMs(2));
    expect(AUTO_RESTART.delayMs(10)).toBe(10_000);
  });
});
