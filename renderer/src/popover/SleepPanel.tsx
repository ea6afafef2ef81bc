import { formatBytes } from '../../../electron/shared/format-transfer.js';
import type { SleepInfo } from '../../../electron/shared/types.js';
import { formatDuration } from '../lib/format.js';

/** The explanation of `sleeping` for how the VM sleeps (pure): saved to a file, or shut down. */
export function sleepExplanation(sleep: SleepInfo | null): string {
  return sleep?.suspended === false
    ? 'The VM is shut down and uses no CPU or memory. The next Docker command starts it again.'
    : 'The VM is saved to disk and uses no CPU or memory. The next Docker command wakes it where it left off, in seconds.';
}

/** While the VM sleeps: what that means, since when, and what the saved VM takes on disk. */
export function SleepPanel({ sleep, now }: { sleep: SleepInfo | null; now: number }) {
  const since = sleep ? Date.parse(sleep.since) : Number.NaN;
  const facts = [
    Number.isFinite(since) ? `Asleep for ${formatDuration((now - since) / 1000)}` : null,
    sleep?.savedStateBytes != null
      ? `saved VM ${formatBytes(sleep.savedStateBytes).replace('.0 ', ' ')}`
      : null,
  ].filter((f) => f !== null);
  return (
    <section className="sleep-panel" aria-label="Sleeping" data-testid="sleep-panel">
      <p>{sleepExplanation(sleep)}</p>
      {facts.length > 0 && (
        <p className="secondary tabular" data-testid="sleep-facts">
          {facts.join(' · ')}
        </p>
      )}
    </section>
  );
}
