import type { Page } from '@playwright/test';

import type { AppInfo } from '../../../electron/shared/app-types.js';
import type {
  DiskReclaim,
  HostInfo,
  LogLine,
  ProgressDto,
  Settings,
  SettingsCheck,
  VmStatus,
} from '../../../electron/shared/types.js';

/** What a scripted `window.dlite` answers: a fixed scene, for screenshots of states a test cannot hold still. */
export interface Scene {
  readonly status: VmStatus;
  readonly progress?: ProgressDto | null;
  readonly host: HostInfo;
  readonly settings: Settings;
  readonly app: AppInfo;
  readonly logs?: readonly LogLine[];
  /** Field problems `checkSettings` reports, by field. */
  readonly problems?: SettingsCheck['errors'];
  /** What `reclaimDisk` answers. */
  readonly reclaim?: DiskReclaim;
}

/**
 * Installs `window.dlite` in the page before its scripts run: every call answers from `scene`,
 * subscriptions get the scene's progress once. Runs inside the page, so it is self-contained.
 */
export async function installScriptedApi(page: Page, scene: Scene): Promise<void> {
  await page.addInitScript((s: Scene) => {
    const okv = (value: unknown) => Promise.resolve({ ok: true, value });
    const restartKeys = new Set([
      'cpu_count',
      'memory',
      'disk_size',
      'hostname',
      'share',
      'hypervisor',
      'docker_args',
      'docker_tcp',
      'dns',
    ]);
    const api: Record<string, unknown> = {
      status: () => okv(s.status),
      start: () => okv(s.status),
      stop: () => okv(s.status),
      restart: () => okv(s.status),
      getSettings: () => okv(s.settings),
      updateSettings: () => okv({ settings: s.settings, restartRequired: [], appliedLive: [] }),
      checkSettings: (patch: Record<string, unknown>) => {
        const keys = Object.keys(patch ?? {});
        const errors = (s.problems ?? []).filter((p) => keys.includes(p.field));
        return okv({
          errors,
          restartRequired: errors.length > 0 ? [] : keys.filter((k) => restartKeys.has(k)),
          live: errors.length > 0 ? [] : keys.filter((k) => !restartKeys.has(k)),
        });
      },
      logs: () => okv(s.logs ?? []),
      hostInfo: () => okv(s.host),
      getAppInfo: () => okv(s.app),
      setAppPrefs: () => okv(s.app),
      checkForUpdate: () =>
        okv({
          currentVersion: '0.1.0',
          previousVersion: null,
          runningVersion: null,
          latestVersion: '0.1.0',
          available: false,
          channelUrl: s.settings.os_channel_url,
          skipped: [],
        }),
      reclaimDisk: () =>
        okv(s.reclaim ?? { trimmedBytes: 0, allocatedBeforeBytes: 0, allocatedAfterBytes: 0 }),
      onState: () => () => undefined,
      onProgress: (l: (p: unknown) => void) => {
        if (s.progress) setTimeout(() => l(s.progress), 0);
        return () => undefined;
      },
      onLog: () => () => undefined,
      onService: () => () => undefined,
      onAppInfo: () => () => undefined,
    };
    (window as unknown as { dlite: unknown }).dlite = new Proxy(api, {
      get: (target, prop: string) => target[prop] ?? (() => okv(undefined)),
    });
  }, scene);
}
