import { useApi } from '../api/api-context.js';
import { listLabels, patchOf } from '../lib/settings-form.js';
import { vmActive } from '../lib/states.js';
import { applySettings, vmAction } from '../store/actions.js';
import { useAppStore } from '../store/app-store.js';
import { draftPatchKey } from '../store/settings-slice.js';

/**
 * Revert / Apply / Apply and Restart, with what applying means: which changes need a restart,
 * which apply live, and after Apply what was applied. Invalid fields or an unchecked draft keep
 * Apply disabled; nothing is saved before Apply.
 */
export function ApplyBar() {
  const api = useApi();
  const saved = useAppStore((s) => s.saved);
  const draft = useAppStore((s) => s.draft);
  const current = useAppStore((s) => s.checkedPatch !== null && s.checkedPatch === draftPatchKey(s));
  const check = useAppStore((s) => s.check);
  const applying = useAppStore((s) => s.applying);
  const applied = useAppStore((s) => s.applied);
  const state: string = useAppStore((s) => s.status?.state ?? 'stopped');
  const pending = useAppStore((s) => s.pending);
  const loadSettings = useAppStore((s) => s.loadSettings);
  const settingsError = useAppStore((s) => s.settingsError);
  if (saved === null || draft === null) return null;
  const dirty = Object.keys(patchOf(saved, draft)).length > 0;
  const errors = current && check ? check.errors : [];
  const restartKeys = current && check ? check.restartRequired : [];
  const liveKeys = current && check ? check.live : [];
  const active = vmActive(state) || state === 'error';
  const needsRestart = active && restartKeys.length > 0;
  const blocked = !dirty || !current || errors.length > 0 || applying;

  let message = '';
  if (dirty && errors.length > 0) message = 'Fix the marked fields to apply.';
  else if (dirty && !current) message = 'Checking…';
  else if (dirty && (restartKeys.length > 0 || liveKeys.length > 0)) {
    message = [
      needsRestart ? `Restart needed for ${listLabels(restartKeys)}.` : '',
      liveKeys.length > 0 ? `Applies live, no restart needed: ${listLabels(liveKeys)}.` : '',
      !needsRestart && restartKeys.length > 0 ? `Used from the next start: ${listLabels(restartKeys)}.` : '',
    ]
      .filter(Boolean)
      .join(' ');
  } else if (applied && applied.restartRequired.length > 0 && active) {
    message = `Saved. Restart needed for ${listLabels(applied.restartRequired)}.`;
  } else if (applied && applied.appliedLive.length > 0) {
    message = `Applied to the running VM, no restart needed: ${listLabels(applied.appliedLive)}.`;
  } else if (applied) message = 'Saved.';
  else if (settingsError) message = settingsError.message;

  const restartLater = !dirty && applied !== null && applied.restartRequired.length > 0 && active;
  return (
    <footer className="apply-bar">
      <p
        className={`apply-status${dirty && errors.length > 0 ? ' error-text' : ''}`}
        aria-live="polite"
        data-testid="apply-status"
      >
        {message}
      </p>
      <div className="button-row">
        {dirty && (
          <button type="button" data-testid="revert" disabled={applying} onClick={() => loadSettings(saved)}>
            Revert
          </button>
        )}
        {restartLater && (
          <button
            type="button"
            className="primary"
            disabled={pending !== null}
            onClick={() => void vmAction(api, 'restart')}
          >
            Restart Now
          </button>
        )}
        <button
          type="button"
          className={needsRestart ? undefined : 'primary'}
          data-testid="apply"
          disabled={blocked}
          onClick={() => void applySettings(api, { restart: false })}
        >
          Apply
        </button>
        {needsRestart && (
          <button
            type="button"
            className="primary"
            data-testid="apply-restart"
            disabled={blocked}
            onClick={() => void applySettings(api, { restart: true })}
          >
            Apply and Restart
          </button>
        )}
      </div>
    </footer>
  );
}
