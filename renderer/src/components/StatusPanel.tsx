import type { VmState } from '../../../electron/shared/types.js';
import { useAppStore } from '../store/app-store.js';

const LABELS: Record<VmState, string> = {
  stopped: 'Stopped',
  starting: 'Starting…',
  running: 'Running',
  stopping: 'Stopping…',
  sleeping: 'Sleeping (wakes on use)',
  error: 'Error',
};

export function StatusPanel({ onToggle }: { onToggle: () => void }) {
  const status = useAppStore((s) => s.status);
  const progress = useAppStore((s) => s.progress);
  const lastError = useAppStore((s) => s.lastError);
  const pending = useAppStore((s) => s.pending);
  if (status === null) return <p data-testid="vm-state">Connecting…</p>;
  const busy = pending || status.state === 'starting' || status.state === 'stopping';
  return (
    <section aria-label="VM status">
      <p data-testid="vm-state" data-state={status.state}>
        {LABELS[status.state]}
      </p>
      {progress !== null && status.state === 'starting' && (
        <p data-testid="vm-progress">
          {progress.description} ({progress.current}/{progress.max})
        </p>
      )}
      <dl>
        <dt>Hostname</dt>
        <dd data-testid="vm-hostname">{status.hostname}</dd>
        <dt>IP</dt>
        <dd data-testid="vm-ip">{status.ip ?? '—'}</dd>
        <dt>Docker</dt>
        <dd data-testid="vm-endpoint">{status.dockerEndpoint ?? '—'}</dd>
      </dl>
      {status.failure !== null && (
        <p role="alert" data-testid="vm-failure">
          {status.failure.step}: {status.failure.message}
        </p>
      )}
      {lastError !== null && (
        <p role="alert" data-testid="api-error">
          {lastError.message}
        </p>
      )}
      <button type="button" disabled={busy} onClick={onToggle} data-testid="vm-toggle">
        {status.state === 'running' ? 'Stop' : 'Start'}
      </button>
    </section>
  );
}
