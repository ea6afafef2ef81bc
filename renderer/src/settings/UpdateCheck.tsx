import type { Result } from '../../../electron/shared/errors.js';
import { formatTransfer } from '../../../electron/shared/format-transfer.js';
import type { ProgressDto, UpdateResult } from '../../../electron/shared/types.js';
import { useApi } from '../api/api-context.js';
import { useAppStore } from '../store/app-store.js';
import type { UpdateView } from '../store/ui-slice.js';
import { Field } from './Field.js';

/**
 * The panel's line (pure): the step (with the download's progress) while busy, else the last
 * outcome, else what the last check found.
 */
export function updateStatusText(view: UpdateView, progress: ProgressDto | null = null): string {
  if (view.busy) {
    if (progress?.operation === 'update') {
      return progress.transfer
        ? `${progress.description}: ${formatTransfer(progress.transfer)}`
        : `${progress.description}…`;
    }
    return view.info ? 'Working…' : 'Checking…';
  }
  if (view.message) return view.message;
  const info = view.info;
  if (!info) return '';
  if (info.available) {
    return `DhyveOS ${info.latestVersion} is available (you have ${info.currentVersion ?? 'none'}).`;
  }
  const skipped = info.skipped.length > 0 ? `; ${info.skipped.join('; ')}` : '';
  return info.currentVersion
    ? `DhyveOS ${info.currentVersion} is up to date${skipped}.`
    : `The channel has no DhyveOS release for this machine${skipped}.`;
}

/** The outcome of an install or a rollback, in words (pure). */
export function updateOutcome(r: UpdateResult, rollback: boolean): string {
  if (r.status === 'unchanged') return `DhyveOS ${r.version} is already the one in use.`;
  const done = rollback ? `Rolled back to DhyveOS ${r.version}.` : `Installed DhyveOS ${r.version}.`;
  return `${done} ${r.restartPending !== null ? 'Restart the VM to use it.' : 'The next start uses it.'}`;
}

/**
 * Checking for a DhyveOS update, installing it with its download progress, and rolling back; after
 * an install or a rollback the channel is checked again, so the buttons show what is possible now.
 */
export function UpdateCheck() {
  const api = useApi();
  const view = useAppStore((s) => s.update);
  const setView = useAppStore((s) => s.setUpdate);
  const progress = useAppStore((s) => s.progress);
  const check = async () => {
    setView(() => ({ busy: true }));
    const r = await api.checkForUpdate();
    setView(() => (r.ok ? { info: r.value } : { message: r.error.message, failed: true }));
  };
  const change = async (call: () => Promise<Result<UpdateResult>>, rollback: boolean) => {
    setView((s) => ({ info: s.info, busy: true }));
    const r = await call();
    if (!r.ok) return setView((s) => ({ info: s.info, message: r.error.message, failed: true }));
    const again = await api.checkForUpdate();
    setView(() => ({
      ...(again.ok ? { info: again.value } : {}),
      message: updateOutcome(r.value, rollback),
    }));
  };
  const info = view.info;
  return (
    <Field id="updates" label="DhyveOS updates" labelsControl={false}>
      <div className="update-panel">
        <div className="button-row start">
          <button type="button" data-testid="update-check" disabled={view.busy} onClick={() => void check()}>
            Check for Updates
          </button>
          {info?.available && (
            <button
              type="button"
              className="primary"
              data-testid="update-install"
              disabled={view.busy}
              onClick={() => void change(() => api.applyUpdate({}), false)}
            >
              Install {info.latestVersion}
            </button>
          )}
          {info?.previousVersion && (
            <button
              type="button"
              data-testid="update-rollback"
              disabled={view.busy}
              onClick={() => void change(() => api.rollbackUpdate(), true)}
            >
              Roll Back to {info.previousVersion}
            </button>
          )}
        </div>
        <p
          className={view.failed ? 'field-error' : 'secondary'}
          aria-live="polite"
          data-testid="update-status"
        >
          {updateStatusText(view, progress)}
        </p>
      </div>
    </Field>
  );
}
