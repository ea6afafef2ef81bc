import { useEffect, useState } from 'react';

import { needsSetup, useAppStore } from '../store/app-store.js';
import { ErrorPanel } from './ErrorPanel.js';
import { HostNotes } from './HostNotes.js';
import { PopoverActions } from './PopoverActions.js';
import { PopoverHeader } from './PopoverHeader.js';
import { ProgressBar } from './ProgressBar.js';
import { ServicePanel } from './ServicePanel.js';
import { SetupPanel } from './SetupPanel.js';
import { SleepPanel } from './SleepPanel.js';
import { VmDetails } from './VmDetails.js';

/** The clock, ticking every 15 s: enough for minutes of uptime and sleep. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(t);
  }, []);
  return now;
}

function Body() {
  const status = useAppStore((s) => s.status);
  const service = useAppStore((s) => s.service);
  const progress = useAppStore((s) => s.progress);
  const pending = useAppStore((s) => s.pending);
  const setup = useAppStore(needsSetup);
  const now = useNow();
  if (service.phase !== 'ready' || status === null) return <ServicePanel />;
  if (setup) return <SetupPanel />;
  if (status.state === 'error' && status.failure) return <ErrorPanel failure={status.failure} />;
  return (
    <>
      {status.state === 'starting' && (
        <ProgressBar
          label={progress?.operation === 'start' ? `${progress.description}…` : 'Starting…'}
          current={progress?.current ?? 0}
          max={progress?.max ?? 8}
        />
      )}
      {status.state === 'stopping' && (
        <p className="secondary">
          {pending === 'sleep' ? 'Putting the VM to sleep…' : 'Shutting the VM down…'}
        </p>
      )}
      {status.state === 'sleeping' && <SleepPanel sleep={status.sleep ?? null} now={now} />}
      <VmDetails now={now} />
      <HostNotes />
    </>
  );
}

/** The popover under the tray icon (about 360 × 440). */
export function Popover() {
  const lastError = useAppStore((s) => s.lastError);
  const notice = useAppStore((s) => s.notice);
  const failure = useAppStore((s) => s.status?.failure ?? null);
  return (
    <main className="popover" aria-label="Dlite">
      <PopoverHeader />
      <div className="popover-body">
        <Body />
        {notice !== null && (
          <p className="notice secondary" role="status" data-testid="notice">
            {notice}
          </p>
        )}
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
