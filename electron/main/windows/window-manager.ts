import type { BrowserWindowConstructorOptions } from 'electron';

import type { AppWindow } from '../../shared/app-types.js';
import type { Bounds } from '../prefs/app-prefs.js';
import { popoverPosition } from './popover-position.js';
import { guardContents, type GuardedContents } from './security.js';
import { WINDOW_SIZES, windowOptions } from './window-options.js';

/** The slice of a `BrowserWindow` the app uses. */
export interface WindowPort {
  readonly webContents: GuardedContents & { send(channel: string, payload: unknown): void };
  loadFile(file: string, options: { hash: string }): Promise<void>;
  show(): void;
  hide(): void;
  focus(): void;
  close(): void;
  isVisible(): boolean;
  isDestroyed(): boolean;
  getBounds(): Bounds;
  setBounds(bounds: Partial<Bounds>): void;
  setPosition(x: number, y: number): void;
  on(event: 'blur' | 'closed' | 'close', listener: () => void): unknown;
}

export interface WindowManagerDeps {
  readonly create: (options: BrowserWindowConstructorOptions) => WindowPort;
  readonly platform: NodeJS.Platform;
  /** The built renderer's `index.html` (absolute path) and its `file://` URL. */
  readonly rendererFile: string;
  readonly rendererUrl: string;
  readonly preloadPath: string;
  readonly bounds: (name: AppWindow) => Bounds | undefined;
  readonly saveBounds: (name: AppWindow, bounds: Bounds) => void;
  /** The work area of the display nearest a point. */
  readonly workArea: (point: { x: number; y: number }) => Bounds;
  readonly log?: (line: string) => void;
}

/**
 * Owns the app's windows: one of each, created on first use with the security rules applied,
 * each loading the renderer with its view as the hash (`#popover`, `#settings`, `#logs`).
 * Settings and logs reopen where they were left; the popover sits under the tray icon and hides
 * when it loses focus.
 */
export class WindowManager {
  private readonly windows = new Map<AppWindow, WindowPort>();

  constructor(private readonly deps: WindowManagerDeps) {}

  /** Shows `name` (creating it), in front and focused. */
  show(name: AppWindow): WindowPort {
    const win = this.get(name);
    win.show();
    win.focus();
    return win;
  }

  /** Shows the popover under `trayBounds`, or hides it when it is showing. */
  togglePopover(trayBounds: Bounds): void {
    const existing = this.windows.get('popover');
    if (existing?.isVisible()) {
      existing.hide();
      return;
    }
    const win = this.get('popover');
    const { x, y } = popoverPosition(
      trayBounds,
      WINDOW_SIZES.popover,
      this.deps.workArea({ x: trayBounds.x, y: trayBounds.y }),
    );
    win.setPosition(x, y);
    win.show();
    win.focus();
  }

  isVisible(name: AppWindow): boolean {
    return this.windows.get(name)?.isVisible() ?? false;
  }

  /** Sends a push to every open window. */
  broadcast(channel: string, payload: unknown): void {
    for (const win of this.windows.values()) {
      if (!win.isDestroyed()) win.webContents.send(channel, payload);
    }
  }

  /** Closes every window (at quit). */
  closeAll(): void {
    for (const win of [...this.windows.values()]) if (!win.isDestroyed()) win.close();
  }

  private get(name: AppWindow): WindowPort {
    const existing = this.windows.get(name);
    if (existing && !existing.isDestroyed()) return existing;
    const win = this.deps.create(windowOptions(name, this.deps.preloadPath, this.deps.platform));
    guardContents(win.webContents, this.deps.rendererUrl);
    if (name === 'popover') {
      win.on('blur', () => win.hide());
    } else {
      const saved = this.deps.bounds(name);
      if (saved) {
        // A place on a display that is gone keeps only its size.
        const area = this.deps.workArea({ x: saved.x, y: saved.y });
        const visible =
          saved.x >= area.x &&
          saved.y >= area.y &&
          saved.x < area.x + area.width &&
          saved.y < area.y + area.height;
        win.setBounds(visible ? saved : { width: saved.width, height: saved.height });
      }
      win.on('close', () => this.deps.saveBounds(name, win.getBounds()));
    }
    win.on('closed', () => {
      if (this.windows.get(name) === win) this.windows.delete(name);
    });
    this.windows.set(name, win);
    win
      .loadFile(this.deps.rendererFile, { hash: name })
      .catch((e: unknown) =>
        this.deps.log?.(`loading the ${name} window: ${e instanceof Error ? e.message : String(e)}`),
      );
    return win;
  }
}
