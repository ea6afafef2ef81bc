import { useEffect } from 'react';

import type { DliteApi } from '../../electron/shared/api.js';
import { StatusPanel } from './components/StatusPanel.js';
import { useAppStore } from './store/app-store.js';

/** Subscribes the store to pushed state and loads the first status; returns one cleanup. */
function useVmSubscriptions(api: DliteApi): void {
  useEffect(() => {
    const { setStatus, setProgress, setError } = useAppStore.getState();
    const offState = api.onState(setStatus);
    const offProgress = api.onProgress(setProgress);
    void api.status().then((r) => (r.ok ? setStatus(r.value) : setError(r.error)));
    return () => {
      offState();
      offProgress();
    };
  }, [api]);
}

export function App({ api }: { api: DliteApi }) {
  useVmSubscriptions(api);
  const toggle = (): void => {
    const { status, setPending, setError, setStatus } = useAppStore.getState();
    setPending(true);
    setError(null);
    const call = status?.state === 'running' ? api.stop() : api.start();
    void call.then((r) => {
      setPending(false);
      if (r.ok) setStatus(r.value);
      else setError(r.error);
    });
  };
  return (
    <main>
      <h1>Dlite</h1>
      <StatusPanel onToggle={toggle} />
    </main>
  );
}
