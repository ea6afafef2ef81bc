import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { popoverPosition } from '../../../electron/main/windows/popover-position.js';
import { denyAllPermissions, guardContents } from '../../../electron/main/windows/security.js';
import { secureWebPreferences, windowOptions } from '../../../electron/main/windows/window-options.js';
import { APP_WINDOWS } from '../../../electron/shared/app-types.js';

const RENDERER = 'file:///app/dist/renderer/index.html';

describe('window options', () => {
  it.each(APP_WINDOWS.flatMap((w) => (['darwin', 'linux'] as const).map((p) => [w, p] as const)))(
    '%s on %s: isolated, sandboxed, no Node, no webview',
    (name, platform) => {
      const o = windowOptions(name, '/app/dist/preload/index.cjs', platform);
      expect(o.webPreferences).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        preload: '/app/dist/preload/index.cjs',
      });
      expect(o.show).toBe(false);
    },
  );

  it('sizes the popover 360×440 without a frame, and settings 640×480 resizable', () => {
    expect(windowOptions('popover', 'p', 'darwin')).toMatchObject({
      width: 360,
      height: 440,
      frame: false,
      resizable: false,
      skipTaskbar: true,
    });
    expect(windowOptions('settings', 'p', 'darwin')).toMatchObject({
      width: 640,
      height: 480,
      resizable: true,
    });
    expect(windowOptions('logs', 'p', 'linux')).toMatchObject({ resizable: true, autoHideMenuBar: true });
    expect(secureWebPreferences('x').sandbox).toBe(true);
  });
});

describe('navigation rules', () => {
  function fakeContents() {
    const listeners = new Map<string, (e: { preventDefault(): void }, url?: string) => void>();
    let openHandler: ((d: { url: string }) => { action: string }) | null = null;
    return {
      on: (ev: string, l: (e: { preventDefault(): void }, url?: string) => void) => void listeners.set(ev, l),
      setWindowOpenHandler: (h: (d: { url: string }) => { action: 'deny' }) => void (openHandler = h),
      fire(ev: string, url?: string): boolean {
        let prevented = false;
        listeners.get(ev)?.({ preventDefault: () => (prevented = true) }, url);
        return prevented;
      },
      open: (url: string) => openHandler?.({ url }),
    };
  }

  it('deny window.open, block navigation away from our page and never attach a webview', () => {
    const c = fakeContents();
    guardContents(c as never, RENDERER);
    expect(c.open('https://example.com')).toEqual({ action: 'deny' });
    expect(c.fire('will-navigate', 'https://example.com/')).toBe(true);
    expect(c.fire('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(c.fire('will-redirect', 'http://127.0.0.1/')).toBe(true);
    expect(c.fire('will-navigate', `${RENDERER}#logs`)).toBe(false);
    expect(c.fire('will-attach-webview')).toBe(true);
  });

  it('refuse every permission request', () => {
    let handler: ((wc: unknown, p: string, cb: (g: boolean) => void) => void) | undefined;
    denyAllPermissions({ setPermissionRequestHandler: (h) => (handler = h) });
    const answers: boolean[] = [];
    for (const p of ['media', 'notifications', 'geolocation']) handler?.(null, p, (g) => answers.push(g));
    expect(answers).toEqual([false, false, false]);
  });

  it('the renderer page carries a strict Content-Security-Policy', () => {
    const html = readFileSync(path.resolve(import.meta.dirname, '../../../renderer/index.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    const directives = Object.fromEntries(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k, ...v]) => [k, v]),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(directives['form-action']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
  });
});

describe('popover position', () => {
  const mac = { x: 0, y: 25, width: 1440, height: 875 };
  it('sits under the tray icon, centred, inside the screen', () => {
    expect(
      popoverPosition({ x: 1000, y: 0, width: 24, height: 24 }, { width: 360, height: 440 }, mac),
    ).toEqual({ x: 832, y: 28 });
    expect(
      popoverPosition({ x: 1420, y: 0, width: 20, height: 24 }, { width: 360, height: 440 }, mac).x,
    ).toBe(1076);
  });
  it('goes above an icon on a bottom panel, and to the top-right corner when the tray has no bounds', () => {
    const screen = { x: 0, y: 0, width: 1920, height: 1040 };
    expect(
      popoverPosition({ x: 1800, y: 1040, width: 24, height: 40 }, { width: 360, height: 440 }, screen).y,
    ).toBe(596);
    expect(popoverPosition({ x: 0, y: 0, width: 0, height: 0 }, { width: 360, height: 440 }, screen)).toEqual(
      { x: 1556, y: 4 },
    );
  });
});
