import type { DliteApi } from '../../../electron/shared/api.js';
import { useAppStore } from './app-store.js';

/** How often a window asks again while the daemon does not answer, ms. */
const SERVICE_POLL_MS = 1000;

/**
 * Feeds the store from pushed events and loads the first state; returns one cleanup.
 * A status answer means the service is up; while the daemon cannot be reached the window shows
 * why and asks again every second (main also pushes the service's state when it changes).
 */
export function connectStore(api: DliteApi, opts: { logs?: boolean } = {}): () => void {
  const s = useAppStore.getState;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const load = async (): Promise<void> => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const r = await api.status();
    if (stopped) return;
    if (r.ok) {
      s().setStatus(r.value);
      s().setService({ phase: 'ready', message: null });
      const host = await api.hostInfo();
      if (host.ok && !stopped) s().setHost(host.value);
      return;
    }
    if (r.error.code === 'daemon-unreachable') {
      const failed = r.error.details?.service === 'failed';
      s().setService(
        failed ? { phase: 'failed', message: r.error.message } : { phase: 'connecting', message: null },
      );
    } else {
      s().setError(r.error);
    }
    timer = setTimeout(() => void load(), SERVICE_POLL_MS);
  };
  const offs = [
    api.onState((status) => {
      s().setStatus(status);
      if (s().service.phase !== 'ready') void load();
    }),
    api.onProgress((p) => s().setProgress(p)),
    api.onService((service) => {
      s().setService(service);
      if (service.phase === 'ready') void load();
    }),
    api.onAppInfo((app) => s().setApp(app)),
    ...(opts.logs ? [api.onLog((line) => s().appendLog(line))] : []),
  ];
  void load();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    offs.forEach((off) => off());
  };
}
