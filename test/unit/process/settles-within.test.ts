import { describe, expect, it } from 'vitest';

import { settlesWithin } from '../../../electron/core/process/settles-within.js';

const later = <T>(ms: number, value: T): Promise<T> =>
  new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('settlesWithin', () => {
  it('answers true for a promise that resolves in time, without waiting out the limit', async () => {
    const t0 = performance.now();
    expect(await settlesWithin(later(10, 'x'), 5_000)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it('answers false once the limit passes first', async () => {
    expect(await settlesWithin(later(500, 'x'), 20)).toBe(false);
    expect(await settlesWithin(new Promise(() => undefined), 0)).toBe(false);
  });

  it('treats a negative limit as none and passes a rejection on', async () => {
    expect(await settlesWithin(Promise.resolve(), -5)).toBe(true);
    await expect(settlesWithin(Promise.reject(new Error('boom')), 1_000)).rejects.toThrow('boom');
  });
});
