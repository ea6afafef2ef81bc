import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';

import {
  HYPERVISORS,
  type HostInfo,
  type HypervisorChoice,
  type HypervisorName,
} from '../../shared/types.js';
import {
  availableDrivers,
  registeredDrivers,
  selectDriver,
  type HostInfo as DriverHost,
} from '../drivers/registry.js';
import type { DlitePaths } from '../paths.js';
import { MAX_DISK_GIB, hostFacts, maxMemoryGiB, type HostFacts } from '../settings/schema.js';

const GIB = 2 ** 30;

/** Where each hypervisor can run at all, and how to install it there. */
const NEEDS: Record<
  HypervisorName,
  { platforms: readonly string[]; arches?: readonly string[]; install: string }
> = {
  xhyve: { platforms: ['darwin'], arches: ['x64'], install: 'brew install xhyve' },
  vfkit: { platforms: ['darwin'], install: 'brew install vfkit' },
  qemu: { platforms: ['darwin', 'linux'], install: 'brew install qemu, or apt install qemu-system' },
};

/**
 * Every hypervisor Dlite knows, with whether it can be chosen here and, if not, why (pure).
 * `registered`: the drivers this build contains; `installed`: those whose hypervisor is present.
 */
export function hypervisorChoices(
  host: DriverHost,
  registered: readonly HypervisorName[],
  installed: ReadonlySet<HypervisorName>,
): HypervisorChoice[] {
  return HYPERVISORS.filter((h): h is HypervisorName => h !== 'auto').map((name) => {
    const need = NEEDS[name];
    let reason: string | null = null;
    if (!need.platforms.includes(host.platform)) {
      reason = `${name} runs only on ${need.platforms.map((p) => (p === 'darwin' ? 'macOS' : 'Linux')).join(' and ')}`;
    } else if (need.arches && !need.arches.includes(host.arch)) {
      reason = `${name} runs only on Intel Macs`;
    } else if (!registered.includes(name)) {
      reason = `${name} is not part of this build of Dlite`;
    } else if (!installed.has(name)) {
      reason = `${name} is not installed (${need.install})`;
    }
    return { name, available: reason === null, reason };
  });
}

/** The facts {@link describeHost} reads, injectable for tests. */
export interface HostProbe {
  readonly facts: HostFacts;
  readonly arch: string;
  readonly registered: readonly HypervisorName[];
  readonly installed: ReadonlySet<HypervisorName>;
}

function probeHost(env: NodeJS.ProcessEnv): HostProbe {
  const host = { platform: process.platform, arch: process.arch };
  return {
    facts: hostFacts(),
    arch: process.arch,
    registered: registeredDrivers(),
    installed: availableDrivers(host, env),
  };
}

/** {@link HostInfo} for the Dlite home at `paths`: host limits, the current disk size, the drivers. */
export async function describeHost(
  paths: DlitePaths,
  env: NodeJS.ProcessEnv = process.env,
  probe: HostProbe = probeHost(env),
): Promise<HostInfo> {
  const { facts } = probe;
  const diskBytes = await stat(paths.disk).then(
    (s) => s.size,
    () => null,
  );
  const host = { platform: facts.platform, arch: probe.arch };
  return {
    platform: facts.platform,
    arch: probe.arch,
    cpus: facts.cpus,
    memoryGiB: Math.round(facts.memoryGiB),
    maxMemoryGiB: maxMemoryGiB(facts),
    diskGiB: diskBytes === null ? null : Math.ceil(diskBytes / GIB),
    maxDiskGiB: MAX_DISK_GIB,
    hypervisors: hypervisorChoices(host, probe.registered, probe.installed),
    autoHypervisor: selectDriver('auto', host, probe.installed),
    installed: existsSync(paths.config),
    home: paths.home,
    logDir: paths.logDir,
  };
}
