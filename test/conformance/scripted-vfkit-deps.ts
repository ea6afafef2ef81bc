import { VfkitDriver } from '../../electron/core/drivers/vfkit/vfkit-driver.js';
import type { Logger } from '../../electron/core/log/logger.js';
import { classifyChanges } from '../../electron/core/settings/diff.js';
import type { GuestLink, SupervisorDeps } from '../../electron/core/supervisor/ports.js';
import { acquireDiskLock } from '../../electron/core/vm/lock.js';
import type { Settings } from '../../electron/shared/types.js';
import type { FakeHome } from './fake-home.js';

/**
 * A guest link with nothing behind it: the scripted vfkit boots no SSH or Docker, and the tests
 * that use it check the host side. Every guest command succeeds with no output.
 */
export const STUB_GUEST: GuestLink = {
  waitSsh: () => Promise.resolve(),
  forwardDocker: () => Promise.resolve(),
  waitDocker: () => Promise.resolve(),
  configure: () => Promise.resolve(),
  applyLive: () => Promise.resolve(),
  syncClock: () => Promise.resolve(),
  transport: () => 'vsock',
  pingEngine: () => Promise.resolve(true),
  run: () => Promise.resolve({ stdout: '', exitCode: 0 }),
  runningContainers: () => Promise.resolve(0),
  close: () => Promise.resolve(),
};

/** Where the deps keep the settings: `updateSettings` replaces `box.settings`. */
export interface SettingsBox {
  settings: Settings;
}

/**
 * A real Supervisor's deps for the vfkit driver against the scripted vfkit (`vfkit`, from
 * `fakeBinary`) in the fake home `h`, with the settings held in memory in `box`. `extra` adds or
 * replaces deps (host integration, engine health timing).
 */
export function scriptedVfkitDeps(
  h: FakeHome,
  vfkit: string,
  box: SettingsBox,
  logger: Logger,
  guest: GuestLink = STUB_GUEST,
  extra: Partial<SupervisorDeps> = {},
): SupervisorDeps {
  return {
    paths: h.paths,
    logger,
    loadSettings: () => Promise.resolve({ settings: box.settings, problems: [] }),
    readSettings: () => Promise.resolve(box.settings),
    settingsProblems: () => Promise.resolve([]),
    updateSettings: (patch) => {
      const before = box.settings;
      box.settings = { ...box.settings, ...(patch as Partial<Settings>) };
      return Promise.resolve({ settings: box.settings, changes: classifyChanges(before, box.settings) });
    },
    createDriver: () =>
      new VfkitDriver(h.paths, {
        platform: 'darwin',
        hostArch: 'x64',
        osRelease: '23.4.0',
        binary: vfkit,
        leaseFile: h.leaseFile,
        leaseTimeoutMs: 10_000,
        leasePollMs: 100,
        sshPort: h.sshPort,
        uuid: h.cfg.uuid,
        env: h.env,
      }),
    prepare: () => Promise.resolve(h.cfg),
    lockDisk: () => acquireDiskLock(h.paths.diskLock, h.paths.disk),
    connectGuest: () => guest,
    consoleTail: () => Promise.resolve([]),
    orphanPid: () => Promise.resolve(null),
    ...extra,
  };
}
