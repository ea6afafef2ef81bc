import type { InvokeMethod, PushMethod } from './api.js';

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
  sleep: { channel: 'dlite:vm:sleep', method: 'POST', path: '/v1/vm/sleep' },
  reclaimDisk: { channel: 'dlite:disk:reclaim', method: 'POST', path: '/v1/disk/reclaim' },
  checkForUpdate: { channel: 'dlite:update:check', method: 'GET', path: '/v1/update' },
  applyUpdate: { channel: 'dlite:update:apply', method: 'POST', path: '/v1/update' },
} as const satisfies Record<InvokeMethod, InvokeRoute>;

export const PUSH = {
  onState: { channel: 'dlite:vm:state', event: 'state' },
  onProgress: { channel: 'dlite:vm:progress', event: 'progress' },
  onLog: { channel: 'dlite:logs:line', event: 'log' },
} as const satisfies Record<PushMethod, PushRoute>;

/** The control socket's server-sent-events stream. */
export const EVENTS_PATH = '/v1/events';

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
