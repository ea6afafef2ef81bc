import type { BrowserWindowConstructorOptions, MenuItemConstructorOptions } from 'electron';

import type { ElectronPort } from '../../../electron/main/electron-port.js';
import type { IpcSenderEvent } from '../../../electron/main/ipc/register-ipc.js';

type Listener = (...args: never[]) => void;
const call = (l: Listener, args: unknown[]) => (l as (...a: unknown[]) => void)(...args);

/** A fake BrowserWindow that records what main does with it. */
export class FakeWindow {
  readonly sent: [string, unknown][] = [];
  readonly listeners = new Map<string, Listener[]>();
  readonly contentsListeners = new Map<string, Listener>();
  loaded: { file: string; hash: string } | null = null;
  visible = false;
  destroyed = false;
  position: [number, number] | null = null;
  bounds = { x: 100, y: 100, width: 640, height: 480 };
  openHandler: ((d: { url: string }) => { action: string }) | null = null;
  readonly webContents = {
    send: (channel: string, payload: unknown) => void this.sent.push([channel, payload]),
    on: (event: string, l: Listener) => void this.contentsListeners.set(event, l),
    setWindowOpenHandler: (h: (d: { url: string }) => { action: 'deny' }) => void (this.openHandler = h),
  };
  constructor(readonly options: BrowserWindowConstructorOptions) {}
  loadFile(file: string, o: { hash: string }) {
    this.loaded = { file, hash: o.hash };
    return Promise.resolve();
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {}
  close() {
    this.emit('close');
    this.destroyed = true;
    this.emit('closed');
  }
  isVisible() {
    return this.visible;
  }
  isDestroyed() {
    return this.destroyed;
  }
  getBounds() {
    return this.bounds;
  }
  setBounds(b: Partial<typeof this.bounds>) {
    this.bounds = { ...this.bounds, ...b };
  }
  setPosition(x: number, y: number) {
    this.position = [x, y];
  }
  on(event: string, l: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), l]);
  }
  emit(event: string, ...args: unknown[]) {
    for (const l of this.listeners.get(event) ?? []) call(l, args);
  }
}

/** A fake Tray recording images, tooltips and menus. */
export class FakeTray {
  readonly images: string[] = [];
  tooltip = '';
  contextMenu: unknown = null;
  popped: unknown[] = [];
  destroyed = false;
  readonly listeners = new Map<string, () => void>();
  constructor(first: string) {
    this.images.push(first);
  }
  setImage(i: string) {
    this.images.push(i);
  }
  setToolTip(t: string) {
    this.tooltip = t;
  }
  setContextMenu(m: unknown) {
    this.contextMenu = m;
  }
  popUpContextMenu(m?: unknown) {
    this.popped.push(m);
  }
  getBounds() {
    return { x: 1000, y: 0, width: 24, height: 24 };
  }
  on(event: string, l: () => void) {
    this.listeners.set(event, l);
  }
  destroy() {
    this.destroyed = true;
  }
}

/** Every Electron object main uses, faked; `answers` scripts the dialogs. */
export function fakeElectron(opts: { lock?: boolean; platform?: NodeJS.Platform } = {}) {
  const appListeners = new Map<string, Listener[]>();
  const handlers = new Map<string, (e: IpcSenderEvent, a: unknown) => Promise<unknown>>();
  const windows: FakeWindow[] = [];
  const trays: FakeTray[] = [];
  const notes: { title: string; body: string }[] = [];
  const clipboard: string[] = [];
  const dialogs: unknown[] = [];
  const answers = {
    messageBox: { response: 0, checkboxChecked: false },
    folder: { canceled: false, filePaths: ['/Users/me/src'] },
  };
  const calls: string[] = [];
  let login = false;
  let lastMenu: MenuItemConstructorOptions[] = [];
  const port: ElectronPort = {
    app: {
      requestSingleInstanceLock: () => opts.lock ?? true,
      whenReady: () => Promise.resolve(),
      quit: () => {
        calls.push('quit');
        let prevented = false;
        for (const l of appListeners.get('before-quit') ?? []) {
          call(l, [{ preventDefault: () => (prevented = true) }]);
        }
        if (!prevented) calls.push('quit:done');
      },
      on: (event: string, l: Listener) =>
        void appListeners.set(event, [...(appListeners.get(event) ?? []), l]),
      dock: { hide: () => void calls.push('dock.hide') },
      getVersion: () => '0.1.0',
      getLoginItemSettings: () => ({ openAtLogin: login }),
      setLoginItemSettings: (s) => {
        calls.push(`login:${String(s.openAtLogin)}`);
        login = s.openAtLogin;
      },
    },
    ipcMain: { handle: (ch, h) => void handlers.set(ch, h), removeHandler: (ch) => void handlers.delete(ch) },
    powerMonitor: { on: () => undefined, removeListener: () => undefined },
    createWindow: (o) => {
      const w = new FakeWindow(o);
      windows.push(w);
      return w;
    },
    createTray: (image) => {
      const t = new FakeTray(image);
      trays.push(t);
      return t;
    },
    buildMenu: (template) => {
      lastMenu = template;
      return { template };
    },
    notify: (n) => void notes.push(n),
    showMessageBox: (o) => {
      dialogs.push(o);
      return Promise.resolve(answers.messageBox);
    },
    showOpenDialog: (o) => {
      dialogs.push(o);
      return Promise.resolve(answers.folder);
    },
    writeClipboard: (t) => void clipboard.push(t),
    workArea: () => ({ x: 0, y: 25, width: 1440, height: 875 }),
    denyPermissions: () => void calls.push('denyPermissions'),
  };
  return {
    port,
    handlers,
    windows,
    trays,
    notes,
    clipboard,
    dialogs,
    answers,
    calls,
    menu: () => lastMenu,
    emitApp: (event: string, ...args: unknown[]) => appListeners.get(event)?.forEach((l) => call(l, args)),
    clickMenu: (label: string) => {
      const item = lastMenu.find((i) => i.label === label);
      if (!item?.click) throw new Error(`no menu item ${label}`);
      (item.click as () => void)();
    },
  };
}
