import type { DliteApi } from '../../../electron/shared/api.js';
import { useAppStore } from './app-store.js';

/** How often a window asks again while the daemon does not answer, ms. */
const SERVICE_POLL_MS = 1000;

/**
 * How often a visible window that shows resource figures reads the status while the VM runs, ms:
 * the daemon samples them every 10 s and does not push a state for a new sample.
 */
export const FIGURES_POLL_MS = 10_000;

export interface ConnectOptions {
  /** Follow the log lines (the logs window). */
  readonly logs?: boolean;
  /** Read the status again every {@link FIGURES_POLL_MS} while running and visible (the popover). */
  readonly figures?: boolean;
}

/**
 * Feeds the store from pushed events and loads the first state; returns one cleanup.
 * A status answer means the service is up; while the daemon cannot be reached the window shows
 * why and asks again every second (main also pushes the service's state when it changes). With
 * `figures`, a visible window reads the status again while the VM runs, for its live figures.
 */
export function connectStore(api: DliteApi, opts: ConnectOptions = {}): () => void {
  const s = useAppStore.getState;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  /** Pushed states so far: a read answered after a push is older than it and is dropped. */
  let pushes = 0;
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
      pushes += 1;
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
  const refresh = (): void => {
    if (document.visibilityState !== 'visible' || s().status?.state !== 'running') return;
    if (s().service.phase !== 'ready') return;
    const before = pushes;
    void api.status().then((r) => {
      if (!stopped && r.ok && pushes === before) s().setStatus(r.value);
    });
  };
  const figures = opts.figures ? setInterval(refresh, FIGURES_POLL_MS) : null;
  if (opts.figures) document.addEventListener('visibilitychange', refresh);
  void load();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    if (figures !== null) clearInterval(figures);
    document.removeEventListener('visibilitychange', refresh);
    offs.forEach((off) => off());
  };
}
