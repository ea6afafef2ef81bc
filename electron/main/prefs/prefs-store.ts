import { readStoredPrefs, type StoredPrefs } from './app-prefs.js';

/** Where the app keeps its preferences. */
export interface PrefsStore {
  read(): StoredPrefs;
  /** Merges `patch` and writes the file atomically; answers the stored preferences. */
  write(patch: Partial<StoredPrefs>): StoredPrefs;
}

/** A {@link PrefsStore} in memory, for tests and for when the file cannot be used. */
export function memoryPrefsStore(initial: unknown = {}): PrefsStore {
  let prefs = readStoredPrefs(initial);
  return {
    read: () => prefs,
    write: (patch) => (prefs = readStoredPrefs({ ...prefs, ...patch })),
  };
}
