import { useApi } from '../api/api-context.js';
import { vmActive } from '../lib/states.js';
import { openTerminal, vmAction } from '../store/actions.js';
import { needsSetup, useAppStore } from '../store/app-store.js';

/**
 * Start / Stop, Restart and Terminal, enabled by state; the primary action first. While the VM
 * sleeps: Wake (a start continues the saved VM) and Stop (which forgets the saved VM).
 */
export function PopoverActions() {
  const api = useApi();
  const state: string | null = useAppStore((s) => s.status?.state ?? null);
  const pending = useAppStore((s) => s.pending);
  const ready = useAppStore((s) => s.service.phase === 'ready');
  const setup = useAppStore(needsSetup);
  if (!ready || state === null || setup) return null;
  const busy = pending !== null && pending !== 'terminal' && pending !== 'reclaim';
  const stop = (
    <button
      type="button"
      data-testid="vm-stop"
      disabled={busy}
      title={state === 'sleeping' ? 'Stop: forget the saved VM; the next start boots it afresh' : undefined}
      onClick={() => void vmAction(api, 'stop')}
    >
      Stop
    </button>
  );
  const terminal = (
    <button
      type="button"
      data-testid="vm-terminal"
      disabled={state !== 'running' || pending === 'terminal'}
      onClick={() => void openTerminal(api)}
    >
      Terminal
    </button>
  );
  if (state === 'sleeping') {
    return (
      <footer className="popover-actions">
        <button
          type="button"
          className="primary"
          data-testid="vm-wake"
          disabled={busy}
          onClick={() => void vmAction(api, 'start')}
        >
          Wake
        </button>
        {stop}
        {terminal}
      </footer>
    );
  }
  return (
    <footer className="popover-actions">
      {vmActive(state) || state === 'error' ? (
        stop
      ) : (
        <button
          type="button"
          className="primary"
          data-testid="vm-start"
          disabled={busy || state === 'stopping'}
          onClick={() => void vmAction(api, 'start')}
        >
          Start
        </button>
      )}
      <button
        type="button"
        data-testid="vm-restart"
        disabled={busy || !(state === 'running' || state === 'error')}
        onClick={() => void vmAction(api, 'restart')}
      >
        Restart
      </button>
      {terminal}
    </footer>
  );
}
