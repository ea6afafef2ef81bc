/** The slice of `webContents` the security rules use. */
export interface GuardedContents {
  on(
    event: 'will-navigate' | 'will-redirect',
    listener: (event: { preventDefault(): void }, url: string) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * Applies the navigation rules to one window's contents (cawa-93's security modules):
 * - `window.open` and target=_blank are denied;
 * - navigation and redirects away from our page are blocked (a hash change within it is allowed);
 * - `<webview>` can never be attached.
 */
export function guardContents(contents: GuardedContents, rendererUrl: string): void {
  const ours = (url: string): boolean => {
    try {
      const u = new URL(url);
      const r = new URL(rendererUrl);
      return u.protocol === r.protocol && u.host === r.host && u.pathname === r.pathname;
    } catch {
      return false;
    }
  };
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (event, url) => {
    if (!ours(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!ours(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Permission requests (camera, notifications from the page, …): every one is refused. */
export function denyAllPermissions(session: {
  setPermissionRequestHandler(
    h: (wc: unknown, permission: string, cb: (granted: boolean) => void) => void,
  ): void;
}): void {
  session.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));
}
