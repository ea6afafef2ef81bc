import type { StateCreator } from 'zustand';

import type { LogLine, LogSource } from '../../../electron/shared/types.js';
import type { AppState } from './app-store.js';

export const SETTINGS_PAGES = ['general', 'resources', 'sharing', 'engine', 'advanced'] as const;
export type SettingsPage = (typeof SETTINGS_PAGES)[number];

/** The most log lines a window keeps. */
export const MAX_LOG_LINES = 2000;

/** Window-local UI state: the settings page, the logs view. */
export interface UiSlice {
  page: SettingsPage;
  logSource: LogSource;
  logFilter: string;
  follow: boolean;
  logLines: LogLine[];
  setPage: (page: SettingsPage) => void;
  setLogSource: (source: LogSource) => void;
  setLogFilter: (filter: string) => void;
  setFollow: (follow: boolean) => void;
  setLogLines: (lines: LogLine[]) => void;
  /** Appends a pushed line when it belongs to the source shown; keeps the last MAX_LOG_LINES. */
  appendLog: (line: LogLine) => void;
}

export const UI_INITIAL = {
  page: 'general',
  logSource: 'dlite',
  logFilter: '',
  follow: true,
  logLines: [],
} satisfies Partial<UiSlice>;

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  ...UI_INITIAL,
  setPage: (page) => set({ page }),
  setLogSource: (logSource) => set({ logSource, logLines: [] }),
  setLogFilter: (logFilter) => set({ logFilter }),
  setFollow: (follow) => set({ follow }),
  setLogLines: (lines) => set({ logLines: lines.slice(-MAX_LOG_LINES) }),
  appendLog: (line) =>
    set((s) =>
      line.source === s.logSource ? { logLines: [...s.logLines, line].slice(-MAX_LOG_LINES) } : {},
    ),
});
