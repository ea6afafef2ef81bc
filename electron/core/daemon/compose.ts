import { existsSync } from 'node:fs';

import type { Settings } from '../../shared/types.js';
import { buildKernelCmdline } from '../boot/cmdline.js';
import type { GuestArch, HypervisorDriver, VmConfig } from '../drivers/driver.js';
import { createDriver, selectDriver } from '../drivers/registry.js';
import { tailLines } from '../fs/tail.js';
import { createGuestLink } from '../guest/guest-link.js';
import type { Logger } from '../log/logger.js';
import { imageSourceCandidates, installFromCandidates, locateInstalledImage } from '../os-image/store.js';
import type { DlitePaths } from '../paths.js';
import { SettingsRepository, hostValidationContext } from '../settings/repository.js';
import { ensureSshKey } from '../ssh/keys.js';
import type { SupervisorDeps } from '../supervisor/ports.js';
import { ensureDisk } from '../vm/disk.js';
import { acquireDiskLock } from '../vm/lock.js';

/** The 9p/virtiofs mount tag of the shared folder. */
export const SHARE_TAG = 'dlite-share';

export function hostArch(): GuestArch {
  return process.arch === 'arm64' ? 'arm64' : 'amd64';
}

/** Finds the installed OS image, installing a locally built or bundled one on first use. */
async function osImage(paths: DlitePaths, env: NodeJS.ProcessEnv, arch: GuestArch) {
  try {
    return await locateInstalledImage(paths, arch);
  } catch {
    return (await installFromCandidates(paths, imageSourceCandidates(env, arch))).image;
  }
}

/** Disk, SSH key, OS image and the kernel command line for one boot. */
export async function prepareVm(
  paths: DlitePaths,
  settings: Settings,
  driver: HypervisorDriver,
  env: NodeJS.ProcessEnv,
): Promise<VmConfig> {
  const arch = hostArch();
  const key = await ensureSshKey(paths);
  await ensureDisk(paths.disk, settings.disk_size);
  const image = await osImage(paths, env, arch);
  const shareType = driver.info.features.shareType;
  const share = { hostPath: settings.share, tag: SHARE_TAG };
  const cmdline = buildKernelCmdline({
    console: image.manifest.boot.console === 'hvc0' ? 'hvc0' : arch === 'arm64' ? 'ttyAMA0' : 'ttyS0',
    hostname: settings.hostname,
    uuid: settings.uuid,
    sshPublicKey: key.publicKey,
    time: Math.floor(Date.now() / 1000),
    dockerTcp: settings.docker_tcp,
    share: { type: shareType, source: SHARE_TAG, mountPoint: settings.share },
    dns: settings.dns,
  });
  return {
    uuid: settings.uuid,
    hostname: settings.hostname,
    cpus: settings.cpu_count,
    memoryGiB: settings.memory,
    diskGiB: settings.disk_size,
    arch,
    kernelPath: image.kernelPath,
    initrdPath: image.initrdPath,
    cmdline,
    share,
    dockerTcp: settings.docker_tcp,
    paths,
  };
}

/** The real dependencies of a supervisor for the Dlite home at `paths`. */
export function composeSupervisorDeps(
  paths: DlitePaths,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  extras: Pick<SupervisorDeps, 'frontDoor' | 'resources'> = {},
): SupervisorDeps {
  const repo = new SettingsRepository(paths);
  const makeDriver = (settings: Settings): HypervisorDriver =>
    createDriver(
      selectDriver(settings.hypervisor, { platform: process.platform, arch: process.arch }),
      paths,
      { env, log: (line) => logger.info(line) },
    );
  return {
    ...extras,
    paths,
    logger,
    loadSettings: async () => {
      const ctx = await hostValidationContext(paths);
      // The first start writes the defaults, so the generated uuid (MAC, host key pin) is kept.
      return existsSync(paths.config) ? repo.load(ctx) : repo.init({}, ctx);
    },
    updateSettings: async (patch) => {
      const r = await repo.update(patch, await hostValidationContext(paths));
      return {
        settings: r.settings,
        restartRequired: [...r.changes.restartRequired],
        live: [...r.changes.live],
      };
    },
    createDriver: makeDriver,
    prepare: (settings, driver) => prepareVm(paths, settings, driver, env),
    lockDisk: () => acquireDiskLock(paths.diskLock, paths.disk),
    connectGuest: (endpoint, settings, driver) =>
      createGuestLink({
        paths,
        endpoint,
        settings,
        driver,
        logger,
        dockerTransport: env['DLITE_DOCKER_TRANSPORT'] === 'ssh' ? 'ssh' : 'auto',
        ...(extras.frontDoor ? { engineSocket: paths.engineSocket } : {}),
      }),
    consoleTail: (n) => tailLines(paths.consoleLog, n),
    orphanPid: async () => {
      // The driver knows its pidfile and checks the pid really is its hypervisor for this disk.
      if (!existsSync(paths.config)) return null;
      const settings = await repo.load(await hostValidationContext(paths));
      const status = await makeDriver(settings).inspect();
      // A broken (unresponsive) one is returned too: recovery adopts it or stops it.
      return status.state !== 'stopped' && status.pid !== null ? status.pid : null;
    },
  };
}
