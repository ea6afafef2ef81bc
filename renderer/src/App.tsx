import { useEffect } from 'react';

import type { DliteApi } from '../../electron/shared/api.js';
import type { AppWindow } from '../../electron/shared/app-types.js';
import { ApiContext } from './api/api-context.js';
import { LogsWindow } from './logs/LogsWindow.js';
import { Popover } from './popover/Popover.js';
import { SettingsWindow } from './settings/SettingsWindow.js';
import { connectStore } from './store/subscriptions.js';

/** The window's view from its URL hash (`#settings`, `#logs`; the popover otherwise). */
export function viewOf(hash: string): AppWindow {
  const name = hash.replace(/^#/, '');
  return name === 'settings' || name === 'logs' ? name : 'popover';
}

/** One window of the app: the store fed from `api`, and the view the hash names. */
export function App({ api, view }: { api: DliteApi; view: AppWindow }) {
  useEffect(() => connectStore(api, { logs: view === 'logs', figures: view === 'popover' }), [api, view]);
  return (
    <ApiContext.Provider value={api}>
      {view === 'settings' ? <SettingsWindow /> : view === 'logs' ? <LogsWindow /> : <Popover />}
    </ApiContext.Provider>
  );
}
