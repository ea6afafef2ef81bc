import { useAppStore } from '../store/app-store.js';

/**
 * Quiet lines about this machine's set-up: a system-file question waiting in its dialog, and each
 * feature that does not work because a system file was not changed (with what to use instead).
 */
export function HostNotes() {
  const integration = useAppStore((s) => s.status?.hostIntegration ?? null);
  if (integration === null || (integration.pending === null && integration.degraded.length === 0)) {
    return null;
  }
  return (
    <section className="host-notes" aria-label="This machine" data-testid="host-notes">
      {integration.pending !== null && (
        <p className="secondary" data-testid="privileged-pending">
          Waiting for your answer in the dialog: {integration.pending.title}.
        </p>
      )}
      {integration.degraded.map((d) => (
        <p key={d.feature} className="secondary" data-testid={`degraded-${d.feature}`}>
          {d.message}
        </p>
      ))}
    </section>
  );
}
