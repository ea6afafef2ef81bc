/**
 * DTOs of the menu-bar app's own part of the API: its connection to the daemon, its preferences
 * and its windows. The daemon answers these methods with `not-supported`.
 */

/** The app's connection to the Dlite daemon. */
export interface ServiceStatus {
  /** `connecting`: spawning or reaching the daemon; `failed`: it could not start (see message). */
  readonly phase: 'connecting' | 'ready' | 'failed';
  /** Why the daemon could not start or was lost; null when ready. */
  readonly message: string | null;
}

/** Terminals the one-click SSH can open; `auto` picks Terminal.app on macOS, the first found on Linux. */
export const TERMINAL_APPS = [
  'auto',
  'terminal',
  'iterm2',
  'ghostty',
  'wezterm',
  'x-terminal-emulator',
  'gnome-terminal',
  'konsole',
] as const;
export type TerminalApp = (typeof TERMINAL_APPS)[number];

/** What Quit does while the VM runs: ask, stop the VM first, or leave it running under the daemon. */
export const QUIT_ACTIONS = ['ask', 'stop-vm', 'leave-running'] as const;
export type QuitAction = (typeof QUIT_ACTIONS)[number];

/** The app's preferences (kept by the app, not in the Dlite home's `config.json`). */
export interface AppPrefs {
  readonly launchAtLogin: boolean;
  readonly terminal: TerminalApp;
  readonly quitAction: QuitAction;
}

export type AppPrefsPatch = { -readonly [K in keyof AppPrefs]?: AppPrefs[K] };

/** The app's preferences plus what the General page needs to show them. */
export interface AppInfo {
  readonly prefs: AppPrefs;
  readonly version: string;
  /** The terminals offered on this platform. */
  readonly terminals: readonly TerminalApp[];
  /** False where the platform has no login items the app can set. */
  readonly launchAtLoginSupported: boolean;
  /** The bundled `dlite` command, for linking onto the PATH; null in a development build. */
  readonly cliPath: string | null;
}

/** The app's windows. */
export const APP_WINDOWS = ['popover', 'settings', 'logs'] as const;
export type AppWindow = (typeof APP_WINDOWS)[number];

/** A folder picker request. */
export interface FolderRequest {
  readonly title?: string;
  /** Absolute path the picker opens at. */
  readonly defaultPath?: string;
}
