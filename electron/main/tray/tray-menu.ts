import type { TrayView } from './tray-icon.js';
import { shownState } from './tray-icon.js';

/** What a tray menu item does; the controller maps each to a handler. */
export type TrayAction =
  | 'show-popover'
  | 'start'
  | 'stop'
  | 'restart'
  | 'sleep'
  | 'open-terminal'
  | 'copy-docker-host'
  | 'settings'
  | 'logs'
  | 'toggle-login'
  | 'retry-service'
  | 'quit';

/** One menu entry as data (pure); `toElectronMenu` turns it into Electron's template. */
export interface TrayMenuItem {
  readonly type: 'normal' | 'separator' | 'checkbox';
  readonly label?: string;
  readonly enabled?: boolean;
  readonly checked?: boolean;
  readonly action?: TrayAction;
  readonly accelerator?: string;
}

export interface TrayMenuState extends TrayView {
  readonly launchAtLogin: boolean;
  readonly launchAtLoginSupported: boolean;
  /** Add "Open Dlite…" (Linux, where every tray click opens this menu instead of the popover). */
  readonly withOpenItem: boolean;
}

const SEPARATOR: TrayMenuItem = { type: 'separator' };

/** The first line of the menu: the state in words. */
export function statusLine(state: TrayMenuState): string {
  const s = state.status;
  switch (shownState(state)) {
    case 'connecting':
      return 'Starting Dlite service…';
    case 'service-failed':
      return 'Dlite service could not start';
    case 'running':
      return 'Dlite is running';
    case 'starting': {
      const p = state.progress;
      return p ? `Starting: ${p.description} (${p.current}/${p.max})` : 'Starting…';
    }
    case 'stopping':
      return 'Stopping…';
    case 'error':
      return s?.failure ? `Error: ${s.failure.step} failed` : 'Error';
    case 'sleeping':
      return 'Sleeping (wakes on use)';
    default:
      return 'Dlite is stopped';
  }
}

/**
 * The tray's context menu for `state` (pure): the status line, Start / Stop / Restart / Sleep Now
 * enabled by state, Open Terminal, Copy DOCKER_HOST, Settings…, Logs…, Launch at Login and Quit.
 * While the VM sleeps, Start reads "Wake" (it continues the saved VM) and Stop forgets the saved VM.
 */
export function buildTrayMenu(state: TrayMenuState): TrayMenuItem[] {
  const shown = shownState(state);
  const ready = state.service.phase === 'ready';
  const running = shown === 'running';
  const items: TrayMenuItem[] = [{ type: 'normal', label: statusLine(state), enabled: false }];
  if (running && state.status?.ip) {
    items.push({ type: 'normal', label: `${state.status.hostname} · ${state.status.ip}`, enabled: false });
  }
  if (state.withOpenItem) items.push({ type: 'normal', label: 'Open Dlite…', action: 'show-popover' });
  if (state.service.phase === 'failed') {
    items.push({ type: 'normal', label: 'Try Again', action: 'retry-service' });
  }
  items.push(
    SEPARATOR,
    {
      type: 'normal',
      label: shown === 'sleeping' ? 'Wake' : 'Start',
      action: 'start',
      enabled: ready && (shown === 'stopped' || shown === 'error' || shown === 'sleeping'),
    },
    {
      type: 'normal',
      label: 'Stop',
      action: 'stop',
      enabled: ready && (running || shown === 'starting' || shown === 'sleeping' || shown === 'error'),
    },
    { type: 'normal', label: 'Restart', action: 'restart', enabled: ready && (running || shown === 'error') },
    { type: 'normal', label: 'Sleep Now', action: 'sleep', enabled: ready && running },
    SEPARATOR,
    { type: 'normal', label: 'Open Terminal', action: 'open-terminal', enabled: running },
    {
      type: 'normal',
      label: 'Copy DOCKER_HOST',
      action: 'copy-docker-host',
      enabled: running && Boolean(state.status?.dockerEndpoint),
    },
    SEPARATOR,
    { type: 'normal', label: 'Settings…', action: 'settings', accelerator: 'CmdOrCtrl+,' },
    { type: 'normal', label: 'Logs…', action: 'logs' },
    SEPARATOR,
    {
      type: 'checkbox',
      label: 'Launch at Login',
      action: 'toggle-login',
      checked: state.launchAtLogin,
      enabled: state.launchAtLoginSupported,
    },
    SEPARATOR,
    { type: 'normal', label: 'Quit Dlite', action: 'quit', accelerator: 'CmdOrCtrl+Q' },
  );
  return items;
}
