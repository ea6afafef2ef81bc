import type { Unsubscribe } from '../../shared/api.js';
import type { AppInfo, AppPrefs, AppWindow, QuitAction } from '../../shared/app-types.js';
import { err, ok, type Result } from '../../shared/errors.js';
import { TERMINALS_BY_PLATFORM } from '../terminal/terminal-command.js';
import { validatePrefsPatch, type Bounds } from './app-prefs.js';
import type { PrefsStore } from './prefs-store.js';

/** The system's login item (`app.get/setLoginItemSettings`). */
export interface LoginItemPort {
  /** False where the app cannot set one (Linux). */
  readonly supported: boolean;
  isEnabled(): boolean;
  setEnabled(open: boolean): void;
}

export interface PrefsServiceDeps {
  readonly store: PrefsStore;
  readonly loginItem: LoginItemPort;
  readonly platform: NodeJS.Platform;
  readonly version: string;
  readonly cliPath: string | null;
}

/**
 * The app's preferences as the UI and the tray see them: stored ones from the {@link PrefsStore},
 * launch at login read back from the system after every change. Emits every change.
 */
export class PrefsService {
  private readonly listeners = new Set<(info: AppInfo) => void>();

  constructor(private readonly deps: PrefsServiceDeps) {}

  prefs(): AppPrefs {
    const stored = this.deps.store.read();
    return {
      launchAtLogin: this.deps.loginItem.supported && this.deps.loginItem.isEnabled(),
      terminal: stored.terminal,
      quitAction: stored.quitAction,
    };
  }

  info(): AppInfo {
    return {
      prefs: this.prefs(),
      version: this.deps.version,
      terminals: ['auto', ...(TERMINALS_BY_PLATFORM[this.deps.platform] ?? [])],
      launchAtLoginSupported: this.deps.loginItem.supported,
      cliPath: this.deps.cliPath,
    };
  }

  /** Validates and applies a change from the UI; nothing is applied when any field is bad. */
  update(patch: unknown): Result<AppInfo> {
    const checked = validatePrefsPatch(patch);
    if (!checked.ok) return checked;
    const { launchAtLogin, ...stored } = checked.value;
    if (launchAtLogin !== undefined) {
      if (!this.deps.loginItem.supported) {
        return err('not-supported', 'launchAtLogin: not available on this system', {
          field: 'launchAtLogin',
        });
      }
      this.deps.loginItem.setEnabled(launchAtLogin);
    }
    if (Object.keys(stored).length > 0) this.deps.store.write(stored);
    return ok(this.changed());
  }

  setQuitAction(action: QuitAction): void {
    this.deps.store.write({ quitAction: action });
    this.changed();
  }

  bounds(name: AppWindow): Bounds | undefined {
    return this.deps.store.read().windows[name];
  }

  saveBounds(name: AppWindow, bounds: Bounds): void {
    const windows = { ...this.deps.store.read().windows, [name]: bounds };
    this.deps.store.write({ windows });
  }

  onChange(listener: (info: AppInfo) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): AppInfo {
    const info = this.info();
    for (const l of this.listeners) l(info);
    return info;
  }
}
