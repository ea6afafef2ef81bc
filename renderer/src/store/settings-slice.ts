import type { StateCreator } from 'zustand';

import type { AppInfo } from '../../../electron/shared/app-types.js';
import type { ErrorDto } from '../../../electron/shared/errors.js';
import type { Settings, SettingsCheck, SettingsKey, SettingsUpdate } from '../../../electron/shared/types.js';
import { draftOf, patchOf, type SettingsDraft } from '../lib/settings-form.js';
import type { AppState } from './app-store.js';

/** The settings window's state: saved settings, the draft being edited and what the core says of it. */
export interface SettingsSlice {
  saved: Settings | null;
  draft: SettingsDraft | null;
  /** The core's verdict on the draft, and the patch (as JSON) it was given for. */
  check: SettingsCheck | null;
  checkedPatch: string | null;
  applying: boolean;
  /** What the last Apply did. */
  applied: Pick<SettingsUpdate, 'restartRequired' | 'appliedLive'> | null;
  settingsError: ErrorDto | null;
  app: AppInfo | null;
  /** Bumped whenever the draft is reset from saved settings, so text fields re-read it. */
  revision: number;
  loadSettings: (settings: Settings) => void;
  editDraft: <K extends SettingsKey>(key: K, value: SettingsDraft[K]) => void;
  setCheck: (patch: string, check: SettingsCheck) => void;
  setApplying: (applying: boolean) => void;
  setApplied: (update: SettingsUpdate) => void;
  setSettingsError: (error: ErrorDto | null) => void;
  setApp: (app: AppInfo) => void;
}

export const SETTINGS_INITIAL = {
  saved: null,
  draft: null,
  check: null,
  checkedPatch: null,
  applying: false,
  applied: null,
  settingsError: null,
  app: null,
  revision: 0,
} satisfies Partial<SettingsSlice>;

/** The patch the draft makes, as JSON (stable key order), to match a check to its draft. */
export function draftPatchKey(s: Pick<SettingsSlice, 'saved' | 'draft'>): string | null {
  return s.saved && s.draft ? JSON.stringify(patchOf(s.saved, s.draft)) : null;
}

export const createSettingsSlice: StateCreator<AppState, [], [], SettingsSlice> = (set) => ({
  ...SETTINGS_INITIAL,
  loadSettings: (settings) =>
    set((s) => ({
      saved: settings,
      draft: draftOf(settings),
      check: null,
      checkedPatch: null,
      settingsError: null,
      revision: s.revision + 1,
    })),
  editDraft: (key, value) =>
    set((s) => (s.draft ? { draft: { ...s.draft, [key]: value }, applied: null, settingsError: null } : {})),
  setCheck: (patch, check) => set({ check, checkedPatch: patch }),
  setApplying: (applying) => set({ applying }),
  setApplied: (update) =>
    set((s) => ({
      revision: s.revision + 1,
      saved: update.settings,
      draft: draftOf(update.settings),
      applied: { restartRequired: update.restartRequired, appliedLive: update.appliedLive },
      check: null,
      checkedPatch: null,
      settingsError: null,
    })),
  setSettingsError: (settingsError) => set({ settingsError }),
  setApp: (app) => set({ app }),
});
