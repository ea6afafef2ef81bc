import type { StateCreator } from 'zustand';

import type { LogLine, LogSource, UpdateInfo } from '../../../electron/shared/types.js';
import type { AppState } from './app-store.js';

export const SETTINGS_PAGES = ['general', 'resources', 'sharing', 'engine', 'advanced'] as const;
export type SettingsPage = (typeof SETTINGS_PAGES)[number];

/** The most log lines a window keeps. */
export const MAX_LOG_LINES = 2000;

/** What the update panel shows: the last check, a message, whether a call is running. */
export interface UpdateView {
  readonly info?: UpdateInfo;
  readonly message?: string;
  /** The message reports a failure. */
  readonly failed?: boolean;
  readonly busy?: boolean;
}

/** Window-local UI state: the settings page, the logs view, the answer of the last action. */
export interface UiSlice {
  page: SettingsPage;
  /** What the last action that has no state of its own did (e.g. a disk reclaim), in words. */
  notice: string | null;
  /** The DhyveOS update panel: kept here so it outlives a page switch while a download runs. */
  update: UpdateView;
  logSource: LogSource;
  logFilter: string;
  follow: boolean;
  logLines: LogLine[];
  setPage: (page: SettingsPage) => void;
  setNotice: (notice: string | null) => void;
  setUpdate: (change: (view: UpdateView) => UpdateView) => void;
  setLogSource: (source: LogSource) => void;
  setLogFilter: (filter: string) => void;
  setFollow: (follow: boolean) => void;
  setLogLines: (lines: LogLine[]) => void;
  /** Appends a pushed line when it belongs to the source shown; keeps the last MAX_LOG_LINES. */
  appendLog: (line: LogLine) => void;
}

export const UI_INITIAL = {
  page: 'general',
  notice: null,
  update: {},
  logSource: 'dlite',
  logFilter: '',
  follow: true,
  logLines: [],
} satisfies Partial<UiSlice>;

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  ...UI_INITIAL,
  setPage: (page) => set({ page }),
  setNotice: (notice) => set({ notice }),
  setUpdate: (change) => set((s) => ({ update: change(s.update) })),
  setLogSource: (logSource) => set({ logSource, logLines: [] }),
  setLogFilter: (logFilter) => set({ logFilter }),
  setFollow: (follow) => set({ follow }),
  setLogLines: (lines) => set({ logLines: lines.slice(-MAX_LOG_LINES) }),
  appendLog: (line) =>
    set((s) =>
      line.source === s.logSource ? { logLines: [...s.logLines, line].slice(-MAX_LOG_LINES) } : {},
    ),
});
