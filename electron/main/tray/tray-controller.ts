import type { MenuItemConstructorOptions } from 'electron';
import path from 'node:path';

import type { Bounds } from '../prefs/app-prefs.js';
import { FRAME_MS, trayFrames, trayIconFile, trayTooltip, type TrayGlyph } from './tray-icon.js';
import { buildTrayMenu, type TrayAction, type TrayMenuItem, type TrayMenuState } from './tray-menu.js';

/** The slice of Electron's `Tray` the controller uses. */
export interface TrayPort {
  setImage(image: string): void;
  setToolTip(text: string): void;
  setContextMenu(menu: unknown): void;
  popUpContextMenu(menu?: unknown): void;
  getBounds(): Bounds;
  on(event: 'click' | 'right-click', listener: () => void): unknown;
  destroy(): void;
}

export interface TrayControllerDeps {
  readonly tray: TrayPort;
  /** `Menu.buildFromTemplate`. */
  readonly buildMenu: (template: MenuItemConstructorOptions[]) => unknown;
  readonly platform: NodeJS.Platform;
  /** The folder of the tray PNGs (`resources/tray`). */
  readonly iconDir: string;
  readonly onAction: (action: TrayAction) => void;
  readonly togglePopover: (trayBounds: Bounds) => void;
  readonly setInterval?: (fn: () => void, ms: number) => unknown;
  readonly clearInterval?: (handle: unknown) => void;
}

/** Electron's menu template for the pure menu (`click` calls `onAction`). */
export function toElectronMenu(
  items: readonly TrayMenuItem[],
  onAction: (action: TrayAction) => void,
): MenuItemConstructorOptions[] {
  return items.map((item) => {
    const { action } = item;
    return {
      type: item.type,
      ...(item.label === undefined ? {} : { label: item.label }),
      ...(item.enabled === undefined ? {} : { enabled: item.enabled }),
      ...(item.checked === undefined ? {} : { checked: item.checked }),
      ...(item.accelerator === undefined ? {} : { accelerator: item.accelerator }),
      ...(action === undefined ? {} : { click: () => onAction(action) }),
    };
  });
}

/**
 * Drives the tray from the app's state: the icon per state (animated while starting or stopping),
 * the tooltip in words and the context menu. On macOS a left click toggles the popover and a right
 * click opens the menu; elsewhere every click opens the menu, which then has "Open Dlite…".
 */
export class TrayController {
  private state: TrayMenuState = {
    status: null,
    progress: null,
    service: { phase: 'connecting', message: null },
    launchAtLogin: false,
    launchAtLoginSupported: false,
    withOpenItem: false,
  };
  private menu: unknown = null;
  private frames: readonly TrayGlyph[] = [];
  private frame = 0;
  private timer: unknown = null;

  constructor(private readonly deps: TrayControllerDeps) {
    this.state = { ...this.state, withOpenItem: deps.platform !== 'darwin' };
    if (deps.platform === 'darwin') {
      deps.tray.on('click', () => deps.togglePopover(deps.tray.getBounds()));
      deps.tray.on('right-click', () => deps.tray.popUpContextMenu(this.menu));
    }
    this.render();
  }

  /** Merges `change` into the state and redraws what changed. */
  update(change: Partial<TrayMenuState>): void {
    this.state = { ...this.state, ...change };
    this.render();
  }

  current(): TrayMenuState {
    return this.state;
  }

  dispose(): void {
    this.stopAnimation();
    this.deps.tray.destroy();
  }

  private render(): void {
    const { tray } = this.deps;
    tray.setToolTip(trayTooltip(this.state));
    this.menu = this.deps.buildMenu(toElectronMenu(buildTrayMenu(this.state), this.deps.onAction));
    if (this.deps.platform !== 'darwin') tray.setContextMenu(this.menu);
    const frames = trayFrames(this.state);
    if (frames.join() === this.frames.join()) return;
    this.frames = frames;
    this.frame = 0;
    this.stopAnimation();
    this.showFrame();
    if (frames.length > 1) {
      this.timer = (this.deps.setInterval ?? setInterval)(() => {
        this.frame = (this.frame + 1) % this.frames.length;
        this.showFrame();
      }, FRAME_MS);
    }
  }

  private showFrame(): void {
    const glyph = this.frames[this.frame] ?? 'stopped';
    this.deps.tray.setImage(path.join(this.deps.iconDir, trayIconFile(glyph, this.deps.platform)));
  }

  private stopAnimation(): void {
    if (this.timer !== null) {
      (this.deps.clearInterval ?? ((h) => clearInterval(h as NodeJS.Timeout)))(this.timer);
    }
    this.timer = null;
  }
}
