import { renameSync } from 'node:fs';

import ElectronStore from 'electron-store';

import { readStoredPrefs } from './app-prefs.js';
import type { PrefsStore } from './prefs-store.js';

/**
 * The app's preferences in `preferences.json` under `cwd` (Electron's userData by default),
 * through electron-store (atomic writes). A file that is not valid JSON is moved aside as
 * `preferences.json.invalid-<time>`, never deleted, and the app starts from defaults.
 */
export function electronPrefsStore(opts: { cwd?: string; now?: () => Date } = {}): PrefsStore {
  const open = () =>
    new ElectronStore<Record<string, unknown>>({
      name: 'preferences',
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    });
  let store: ElectronStore<Record<string, unknown>>;
  try {
    store = open();
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    const file = new ElectronStore<Record<string, unknown>>({
      name: 'preferences',
      clearInvalidConfig: true,
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
      // Read nothing: only to learn the path before moving the bad file away.
      deserialize: () => ({}),
    }).path;
    renameSync(file, `${file}.invalid-${(opts.now?.() ?? new Date()).toISOString().replaceAll(':', '-')}`);
    store = open();
  }
  return {
    read: () => readStoredPrefs(store.store),
    write: (patch) => {
      const next = readStoredPrefs({ ...readStoredPrefs(store.store), ...patch });
      store.store = { ...next };
      return next;
    },
  };
}
