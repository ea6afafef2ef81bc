import { needsSetup, useAppStore } from '../store/app-store.js';
import { ErrorPanel } from './ErrorPanel.js';
import { PopoverActions } from './PopoverActions.js';
import { PopoverHeader } from './PopoverHeader.js';
import { ProgressBar } from './ProgressBar.js';
import { ServicePanel } from './ServicePanel.js';
import { SetupPanel } from './SetupPanel.js';
import { VmDetails } from './VmDetails.js';

function Body() {
  const status = useAppStore((s) => s.status);
  const service = useAppStore((s) => s.service);
  const progress = useAppStore((s) => s.progress);
  const setup = useAppStore(needsSetup);
  if (service.phase !== 'ready' || status === null) return <ServicePanel />;
  if (setup) return <SetupPanel />;
  if (status.state === 'error' && status.failure) return <ErrorPanel failure={status.failure} />;
  return (
    <>
      {status.state === 'starting' && (
        <ProgressBar
          label={progress?.operation === 'start' ? `${progress.description}…` : 'Starting…'}
          current={progress?.current ?? 0}
          max={progress?.max ?? 7}
        />
      )}
      {status.state === 'stopping' && <p className="secondary">Shutting the VM down…</p>}
      <VmDetails />
    </>
  );
}

/** The popover under the tray icon (about 360 × 440). */
export function Popover() {
  const lastError = useAppStore((s) => s.lastError);
  const failure = useAppStore((s) => s.status?.failure ?? null);
  return (
    <main className="popover" aria-label="Dlite">
      <PopoverHeader />
      <div className="popover-body">
        <Body />
        {lastError !== null && (failure === null || !lastError.message.includes(failure.message)) && (
          <p className="inline-error" role="alert" data-testid="api-error">
            {lastError.message}
          </p>
        )}
      </div>
      <PopoverActions />
    </main>
  );
}
