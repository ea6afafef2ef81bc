import { useApi } from '../api/api-context.js';
import { vmActive } from '../lib/states.js';
import { openTerminal, vmAction } from '../store/actions.js';
import { needsSetup, useAppStore } from '../store/app-store.js';

/** Start / Stop, Restart and Terminal, enabled by state; the primary action first. */
export function PopoverActions() {
  const api = useApi();
  const state: string | null = useAppStore((s) => s.status?.state ?? null);
  const pending = useAppStore((s) => s.pending);
  const ready = useAppStore((s) => s.service.phase === 'ready');
  const setup = useAppStore(needsSetup);
  if (!ready || state === null || setup) return null;
  const busy = pending !== null && pending !== 'terminal';
  const active = vmActive(state);
  return (
    <footer className="popover-actions">
      {active || state === 'error' ? (
        <button
          type="button"
          data-testid="vm-stop"
          disabled={busy}
          onClick={() => void vmAction(api, 'stop')}
        >
          Stop
        </button>
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
      <button
        type="button"
        data-testid="vm-terminal"
        disabled={state !== 'running' || pending === 'terminal'}
        onClick={() => void openTerminal(api)}
      >
        Terminal
      </button>
    </footer>
  );
}
