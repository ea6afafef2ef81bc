import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Whether `promise` resolves within `ms` milliseconds (a negative wait counts as 0); its rejection
 * is passed on. The timer is cleared as soon as the answer is known, so a long wait never holds the
 * event loop open.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const ac = new AbortController();
  try {
    return await Promise.race([
      promise.then(() => true),
      sleep(Math.max(0, ms), false, { signal: ac.signal }).catch(() => false),
    ]);
  } finally {
    ac.abort();
  }
}
