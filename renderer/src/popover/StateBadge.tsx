import { headerLook } from '../lib/states.js';
import { useAppStore } from '../store/app-store.js';

/** The state as a coloured dot and a word (never colour alone). */
export function StateBadge() {
  const status = useAppStore((s) => s.status);
  const service = useAppStore((s) => s.service);
  const look = headerLook(status, service);
  return (
    <p
      className={`state-badge tone-${look.tone}`}
      data-testid="vm-state"
      data-state={look.state}
      role="status"
    >
      <span className="state-dot" aria-hidden="true" />
      {look.label}
    </p>
  );
}
