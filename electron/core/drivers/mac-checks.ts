import os from 'node:os';

import type { Settings } from '../../shared/types.js';
import { run } from '../process/run.js';
import { findBinary } from './binary-lookup.js';
import { hostProblem, type HostInfo } from './registry.js';
import { readVmnetSubnet } from './vmnet/subnet.js';
import { xhyveRootSetup } from './xhyve/setup.js';

/** One `dlite doctor` line. */
export interface DoctorCheck {
  readonly name: string;
  readonly level: 'ok' | 'warn' | 'fail';
  readonly detail: string;
}

export interface MacCheckOptions {
  readonly host: HostInfo;
  readonly env: NodeJS.ProcessEnv;
  readonly resourcesDir?: string | null;
  /** `sysctl -n kern.hv_support` (injectable). */
  readonly hvSupport?: () => Promise<string | null>;
  /** `os.release()` (Darwin version). */
  readonly osRelease?: string;
}

async function sysctlHvSupport(): Promise<string | null> {
  try {
    return (await run('sysctl', ['-n', 'kern.hv_support'], { timeoutMs: 5000 })).stdout.trim();
  } catch {
    return null;
  }
}

/**
 * `dlite doctor` for xhyve and vfkit: one line when the driver cannot run on this host at all (a
 * Linux machine, an Apple Silicon Mac for xhyve); otherwise the binary (where it was found, or what
 * to install), `kern.hv_support` (xhyve), the macOS version (vfkit), xhyve's root set-up and the
 * vmnet subnet the NFS export uses.
 */
export async function macDriverChecks(
  name: 'xhyve' | 'vfkit',
  settings: Pick<Settings, 'xhyve_binary' | 'vfkit_binary'>,
  o: MacCheckOptions,
): Promise<DoctorCheck[]> {
  const problem = hostProblem(name, o.host);
  if (problem) return [{ name: 'hypervisor', level: 'fail', detail: problem }];
  const checks: DoctorCheck[] = [];
  let binary: string | null = null;
  try {
    const found = await findBinary({
      name,
      setting: name === 'xhyve' ? settings.xhyve_binary : settings.vfkit_binary,
      settingName: `${name}_binary`,
      resourcesDir: o.resourcesDir ?? null,
      env: o.env,
    });
    binary = found?.path ?? null;
    checks.push(
      found
        ? { name: 'hypervisor', level: 'ok', detail: `${name} at ${found.path} (${found.from})` }
        : {
            name: 'hypervisor',
            level: 'fail',
            detail: `${name} not found (${name}_binary, the app bundle, PATH, Homebrew): brew install ${name}`,
          },
    );
  } catch (e) {
    checks.push({ name: 'hypervisor', level: 'fail', detail: (e as Error).message });
  }
  if (name === 'xhyve') {
    const hv = await (o.hvSupport ?? sysctlHvSupport)();
    checks.push(
      hv === '1'
        ? { name: 'kern.hv_support', level: 'ok', detail: '1' }
        : {
            name: 'kern.hv_support',
            level: 'fail',
            detail: `${hv ?? 'unknown'}: this Mac has no Hypervisor.framework support (xhyve needs an Intel Mac with EPT)`,
          },
    );
    try {
      const steps = await xhyveRootSetup(binary, os.userInfo().username);
      checks.push(
        steps.length === 0
          ? { name: 'xhyve root set-up', level: 'ok', detail: 'root-owned xhyve and launcher installed' }
          : {
              name: 'xhyve root set-up',
              level: 'warn',
              detail: 'not done yet: the next start asks for your password once to install it',
            },
      );
    } catch (e) {
      checks.push({ name: 'xhyve root set-up', level: 'fail', detail: (e as Error).message });
    }
    const subnet = await readVmnetSubnet();
    checks.push({
      name: 'vmnet',
      level: 'ok',
      detail: `${subnet.network}/${subnet.mask} (${subnet.source}); NFS server ${subnet.hostAddress}`,
    });
  } else {
    const darwin = Number.parseInt((o.osRelease ?? os.release()).split('.')[0] ?? '', 10);
    checks.push(
      darwin >= 22
        ? { name: 'macOS', level: 'ok', detail: `Darwin ${o.osRelease ?? os.release()} (macOS 13 or later)` }
        : {
            name: 'macOS',
            level: 'fail',
            detail: 'vfkit needs macOS 13 or later: use xhyve (Intel) or qemu',
          },
    );
  }
  return checks;
}
