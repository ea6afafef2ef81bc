import type { DliteApi, InvokeMethod, PushMethod } from './api.js';

/**
 * The single source of truth for both transports: the Electron IPC channel of every
 * {@link DliteApi} method (`dlite:<area>:<verb>`) and its control-socket route.
 * `satisfies Record<InvokeMethod, …>` makes a missing or extra method a compile error.
 */
export interface InvokeRoute {
  readonly channel: `dlite:${string}:${string}`;
  readonly method: 'GET' | 'POST';
  readonly path: `/v1/${string}`;
}

export interface PushRoute {
  readonly channel: `dlite:${string}:${string}`;
  /** SSE event name on the control socket's `/v1/events` stream. */
  readonly event: string;
}

export const INVOKE = {
  status: { channel: 'dlite:vm:status', method: 'GET', path: '/v1/vm/status' },
  start: { channel: 'dlite:vm:start', method: 'POST', path: '/v1/vm/start' },
  stop: { channel: 'dlite:vm:stop', method: 'POST', path: '/v1/vm/stop' },
  restart: { channel: 'dlite:vm:restart', method: 'POST', path: '/v1/vm/restart' },
  getSettings: { channel: 'dlite:settings:get', method: 'GET', path: '/v1/settings' },
  updateSettings: { channel: 'dlite:settings:update', method: 'POST', path: '/v1/settings' },
  logs: { channel: 'dlite:logs:read', method: 'POST', path: '/v1/logs' },
  openTerminal: { channel: 'dlite:terminal:open', method: 'POST', path: '/v1/terminal' },
  syncClock: { channel: 'dlite:vm:sync-clock', method: 'POST', path: '/v1/vm/sync-clock' },
  answerPrivileged: {
    channel: 'dlite:host:answer-privileged',
    method: 'POST',
    path: '/v1/host/privileged-answer',
  },
  sleep: { channel: 'dlite:vm:sleep', method: 'POST', path: '/v1/vm/sleep' },
  reclaimDisk: { channel: 'dlite:disk:reclaim', method: 'POST', path: '/v1/disk/reclaim' },
  checkForUpdate: { channel: 'dlite:update:check', method: 'GET', path: '/v1/update' },
  applyUpdate: { channel: 'dlite:update:apply', method: 'POST', path: '/v1/update' },
  rollbackUpdate: { channel: 'dlite:update:rollback', method: 'POST', path: '/v1/update/rollback' },
  hostInfo: { channel: 'dlite:host:info', method: 'GET', path: '/v1/host' },
  checkSettings: { channel: 'dlite:settings:check', method: 'POST', path: '/v1/settings/check' },
  install: { channel: 'dlite:setup:install', method: 'POST', path: '/v1/install' },
  pickFolder: { channel: 'dlite:app:pick-folder', method: 'POST', path: '/v1/app/pick-folder' },
  getAppInfo: { channel: 'dlite:app:info', method: 'GET', path: '/v1/app' },
  setAppPrefs: { channel: 'dlite:app:prefs', method: 'POST', path: '/v1/app/prefs' },
  showWindow: { channel: 'dlite:app:show-window', method: 'POST', path: '/v1/app/window' },
  quit: { channel: 'dlite:app:quit', method: 'POST', path: '/v1/app/quit' },
  retryService: { channel: 'dlite:service:retry', method: 'POST', path: '/v1/service/retry' },
} as const satisfies Record<InvokeMethod, InvokeRoute>;

export const PUSH = {
  onState: { channel: 'dlite:vm:state', event: 'state' },
  onProgress: { channel: 'dlite:vm:progress', event: 'progress' },
  onLog: { channel: 'dlite:logs:line', event: 'log' },
  onService: { channel: 'dlite:service:state', event: 'service' },
  onAppInfo: { channel: 'dlite:app:changed', event: 'app' },
} as const satisfies Record<PushMethod, PushRoute>;

/** The control socket's server-sent-events stream. */
export const EVENTS_PATH = '/v1/events';

/**
 * Methods Electron main serves itself instead of forwarding to the daemon: they need the desktop
 * (dialogs, windows, the terminal, app preferences) or describe main's link to the daemon.
 */
export const APP_METHODS = [
  'openTerminal',
  'pickFolder',
  'getAppInfo',
  'setAppPrefs',
  'showWindow',
  'quit',
  'retryService',
  'onService',
  'onAppInfo',
] as const satisfies readonly (keyof DliteApi)[];
export type AppMethod = (typeof APP_METHODS)[number];

export const INVOKE_METHODS = Object.keys(INVOKE) as InvokeMethod[];
export const PUSH_METHODS = Object.keys(PUSH) as PushMethod[];

/** Every channel the preload may use; it rejects anything else. */
export const ALL_CHANNELS: readonly string[] = [
  ...Object.values(INVOKE).map((r) => r.channel),
  ...Object.values(PUSH).map((r) => r.channel),
];

export function isDliteChannel(channel: string): boolean {
  return ALL_CHANNELS.includes(channel);
}
