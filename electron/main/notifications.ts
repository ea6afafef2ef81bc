import type { Result } from '../shared/errors.js';
import type { VmStatus } from '../shared/types.js';

/** A system notification: `new Notification({title, body}).show()`. */
export type Notify = (note: { title: string; body: string }) => void;

/** The notification for the end of a start (or restart) the user asked for (pure). */
export function startNotice(result: Result<VmStatus>): { title: string; body: string } {
  if (result.ok) {
    const s = result.value;
    return {
      title: 'Dlite is running',
      body: `Docker is ready${s.dockerEndpoint ? ` at ${s.dockerEndpoint}` : ''} (${s.cpus} CPU, ${s.memoryGiB} GiB).`,
    };
  }
  if (result.error.code === 'cancelled') {
    return { title: 'Dlite start cancelled', body: result.error.message };
  }
  return { title: 'Dlite could not start', body: result.error.message };
}

/**
 * Wraps a start-like call so its end is announced, unless `quiet()` says the user is looking at
 * the popover already. The wrapped call resolves with the same Result.
 */
export function announced(
  call: () => Promise<Result<VmStatus>>,
  notify: Notify,
  quiet: () => boolean,
): () => Promise<Result<VmStatus>> {
  return async () => {
    const result = await call();
    if (!quiet()) notify(startNotice(result));
    return result;
  };
}
