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
  hostProblem,
  registeredDrivers,
  selectDriver,
  type HostInfo as DriverHost,
} from '../drivers/registry.js';
import type { DlitePaths } from '../paths.js';
import { MAX_DISK_GIB, hostFacts, maxMemoryGiB, type HostFacts } from '../settings/schema.js';

const GIB = 2 ** 30;

/** How to install each hypervisor where it can run. */
const INSTALL: Record<HypervisorName, string> = {
  xhyve: 'brew install xhyve',
  vfkit: 'brew install vfkit',
  qemu: 'brew install qemu, or apt install qemu-system',
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
    // Where it can never run, the registry's one-line reason; else whether it is here at all.
    let reason = hostProblem(name, host);
    if (reason === null && !registered.includes(name)) reason = `${name} is not part of this build of Dlite`;
    else if (reason === null && !installed.has(name)) reason = `${name} is not installed (${INSTALL[name]})`;
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
