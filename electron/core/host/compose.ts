import type { Settings, SettingsProblem } from '../../shared/types.js';
import { buildKernelCmdline, isGuestConsole } from '../boot/cmdline.js';
import { appResourcesDir } from '../drivers/binary-lookup.js';
import { DriverError, type GuestArch, type HypervisorDriver, type VmConfig } from '../drivers/driver.js';
import { availableDrivers, createDriver, hostProblem, selectDriver } from '../drivers/registry.js';
import { readVmnetSubnet } from '../drivers/vmnet/subnet.js';
import { tailFile } from '../fs/tail.js';
import { createGuestLink } from '../guest/guest-link.js';
import { createHostIntegration } from '../integration/create-host-integration.js';
import type { Logger } from '../log/logger.js';
import { imageSourceCandidates, installFromCandidates } from '../os-image/local-install.js';
import { OsImageError } from '../os-image/manifest.js';
import { locateInstalledImage } from '../os-image/store.js';
import type { DlitePaths } from '../paths.js';
import { hostArch } from '../platform.js';
import { SettingsError } from '../settings/settings-error.js';
import { SettingsRepository, hostValidationContext } from '../settings/repository.js';
import { ensureSshKey } from '../ssh/keys.js';
import type { SupervisorDeps } from '../supervisor/ports.js';
import { ensureDisk } from '../vm/disk.js';
import { acquireDiskLock } from '../vm/lock.js';

/** The 9p/virtiofs mount tag of the shared folder: the one place it is named. */
export const SHARE_TAG = 'dlite-share';

/** This machine, as the driver registry sees it. */
const HOST = { platform: process.platform, arch: process.arch };

/** Finds the installed OS image, installing a locally built or bundled one on first use. */
async function osImage(paths: DlitePaths, env: NodeJS.ProcessEnv, arch: GuestArch) {
  try {
    return await locateInstalledImage(paths, arch);
  } catch {
    return (await installFromCandidates(paths, imageSourceCandidates(env, arch), arch)).image;
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
  const console = image.manifest.boot.console;
  if (!isGuestConsole(console)) {
    throw new OsImageError(
      'os-image-missing',
      `${image.dir}/manifest.json: boot.console ${JSON.stringify(console)} is not a console Dlite knows (ttyS0, hvc0, ttyAMA0)`,
    );
  }
  const shareType = driver.info.features.shareType;
  // NFS (xhyve): the guest mounts <host's vmnet address>:<share>; the export is host integration's.
  const source =
    shareType === 'nfs' ? `${(await readVmnetSubnet()).hostAddress}:${settings.share}` : SHARE_TAG;
  const cmdline = buildKernelCmdline({
    console,
    hostname: settings.hostname,
    uuid: settings.uuid,
    sshPublicKey: key.publicKey,
    time: Math.floor(Date.now() / 1000),
    dockerTcp: settings.docker_tcp,
    share: { type: shareType, source, mountPoint: settings.share },
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
    osVersion: image.manifest.version,
    cmdline,
    share: { hostPath: settings.share, tag: SHARE_TAG },
    dockerTcp: settings.docker_tcp,
  };
}

/** The settings file of `paths`, with the checks of this machine (hypervisors installed included). */
export function settingsAccess(paths: DlitePaths, env: NodeJS.ProcessEnv = process.env) {
  const repo = new SettingsRepository(paths);
  const context = () =>
    hostValidationContext(paths, availableDrivers(HOST, env), (name) => hostProblem(name, HOST));
  return {
    repo,
    context,
    /** What is wrong with the stored settings, the file itself included; never rejects. */
    problems: async (): Promise<SettingsProblem[]> => {
      try {
        return [...(await repo.inspect(await context())).problems];
      } catch (e) {
        const field = e instanceof SettingsError ? (e.field ?? 'settings') : 'settings';
        return [{ field, message: e instanceof Error ? e.message : String(e), severity: 'error' }];
      }
    },
  };
}

/** The settings a driver is built from; null when they cannot be read (the automatic choice). */
export type DriverSettings = Pick<Settings, 'hypervisor' | 'uuid' | 'xhyve_binary' | 'vfkit_binary'> | null;

/**
 * The driver the settings select on this machine, for the home at `paths`. Throws
 * `driver-unavailable` in one line when that hypervisor can never run here (xhyve or vfkit off a Mac).
 */
export function driverFor(
  paths: DlitePaths,
  settings: DriverSettings,
  env: NodeJS.ProcessEnv,
  log?: (line: string) => void,
): HypervisorDriver {
  const name = selectDriver(settings?.hypervisor ?? 'auto', HOST, availableDrivers(HOST, env));
  const problem = hostProblem(name, HOST);
  if (problem) throw new DriverError('driver-unavailable', problem);
  return createDriver(name, paths, {
    env,
    ...(settings
      ? { uuid: settings.uuid, binaries: { xhyve: settings.xhyve_binary, vfkit: settings.vfkit_binary } }
      : {}),
    resourcesDir: appResourcesDir(env['DLITE_CLI_ENTRY'] ?? process.argv[1]),
    ...(log ? { log } : {}),
  });
}

/** The real dependencies of a supervisor for the Dlite home at `paths`. */
export function composeSupervisorDeps(
  paths: DlitePaths,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
  extras: Pick<SupervisorDeps, 'frontDoor' | 'resources'> = {},
): SupervisorDeps {
  const { repo, context, problems } = settingsAccess(paths, env);
  return {
    ...extras,
    paths,
    logger,
    loadSettings: async () => {
      const ctx = await context();
      const loaded = await repo.load(ctx);
      if (loaded.existed) return loaded;
      // The first start writes the defaults, so the generated uuid (MAC, host key pin) is kept.
      const written = await repo.update({}, ctx);
      return { settings: written.settings, problems: written.problems };
    },
    readSettings: async () => (await repo.load(await context())).settings,
    settingsProblems: problems,
    updateSettings: async (patch) => {
      const r = await repo.update(patch, await context());
      return { settings: r.settings, changes: r.changes };
    },
    createDriver: (settings) => driverFor(paths, settings, env, (line) => logger.info(line)),
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
    consoleTail: (n) => tailFile(paths.consoleLog, n),
    ...(env['DLITE_HOST_INTEGRATION'] === 'off'
      ? {}
      : {
          hostIntegration: createHostIntegration({
            paths,
            logger,
            env,
            saveSettings: async (patch) => {
              await repo.update(patch, await context());
            },
          }),
        }),
    orphanPid: async () => {
      // The driver knows its pidfile and checks the pid really is its hypervisor for this disk.
      // Settings that cannot be read still leave a VM to find: look with the automatic choice.
      const settings = await repo.inspect(await context()).catch(() => null);
      let driver: HypervisorDriver;
      try {
        driver = driverFor(paths, settings?.settings ?? null, env);
      } catch {
        return null; // a hypervisor that cannot run here left no VM behind
      }
      const status = await driver.inspect();
      // A broken (unresponsive) one is returned too: recovery adopts it or stops it.
      return status.state !== 'stopped' && status.pid !== null ? status.pid : null;
    },
  };
}
