import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';

import { run } from '../../process/run.js';

export type Accelerator = 'hvf' | 'kvm' | 'tcg';

/** The chosen accelerator and a one-line reason (shown by `dlite doctor` and in logs). */
export interface AccelChoice {
  readonly accel: Accelerator;
  readonly reason: string;
}

/** Host facts the decision depends on; gathered by {@link gatherAccelFacts}, injectable in tests. */
export interface AccelFacts {
  readonly platform: NodeJS.Platform;
  /** Host CPU (`process.arch`); the vmx/svm check applies to x64 only. */
  readonly arch: string;
  /** darwin: `sysctl -n kern.hv_support` printed 1. */
  readonly hvSupport: boolean;
  /** linux: null when /dev/kvm opened read-write, else the error code (ENOENT, EACCES...). */
  readonly kvmOpenError: string | null;
  /** linux: /proc/cpuinfo lists vmx or svm. */
  readonly cpuVirtFlags: boolean;
  /** Accelerators the QEMU binary lists under `-accel help`; null when it could not be asked. */
  readonly qemuAccels: readonly string[] | null;
}

function listed(facts: AccelFacts, accel: Accelerator): boolean {
  return facts.qemuAccels === null || facts.qemuAccels.includes(accel);
}

/**
 * Picks hvf on macOS with Hypervisor.framework, kvm on Linux only when /dev/kvm opens read-write AND
 * (on x64) the CPU shows vmx/svm (a device node alone can hang QEMU), and tcg otherwise. An accelerator the
 * QEMU binary does not list is never chosen. Pure.
 */
export function decideAccelerator(facts: AccelFacts): AccelChoice {
  const tcg = (reason: string): AccelChoice => ({ accel: 'tcg', reason });
  if (facts.platform === 'darwin') {
    if (!facts.hvSupport) return tcg('kern.hv_support is not 1');
    if (!listed(facts, 'hvf')) return tcg('this QEMU does not support hvf');
    return { accel: 'hvf', reason: 'kern.hv_support is 1' };
  }
  if (facts.platform === 'linux') {
    if (facts.kvmOpenError !== null) {
      return tcg(`/dev/kvm cannot be opened read-write (${facts.kvmOpenError})`);
    }
    if (facts.arch === 'x64' && !facts.cpuVirtFlags) return tcg('no vmx/svm in /proc/cpuinfo');
    if (!listed(facts, 'kvm')) return tcg('this QEMU does not support kvm');
    return { accel: 'kvm', reason: '/dev/kvm is usable and the CPU has vmx/svm' };
  }
  return tcg(`no hardware accelerator on ${facts.platform}`);
}

/** Parses `qemu-system-* -M none -accel help` output into accelerator names. */
export function parseAccelHelp(stdout: string): string[] {
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^[a-z0-9_-]+$/.test(l));
}

async function kvmOpenError(): Promise<string | null> {
  try {
    await (await open('/dev/kvm', constants.O_RDWR)).close();
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'error';
  }
}

/** Collects {@link AccelFacts} for this host by running the QEMU binary and reading system files. */
export async function gatherAccelFacts(
  qemuBinary: string,
  platform: NodeJS.Platform,
  arch: string = process.arch,
): Promise<AccelFacts> {
  const qemuAccels = await run(qemuBinary, ['-M', 'none', '-accel', 'help'], { timeoutMs: 10_000 })
    .then((r) => parseAccelHelp(r.stdout))
    .catch(() => null);
  let hvSupport = false;
  let kvmErr: string | null = 'not linux';
  let cpuVirtFlags = false;
  if (platform === 'darwin') {
    hvSupport = await run('sysctl', ['-n', 'kern.hv_support'], { timeoutMs: 5000 })
      .then((r) => r.stdout.trim() === '1')
      .catch(() => false);
  } else if (platform === 'linux') {
    kvmErr = await kvmOpenError();
    const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
    cpuVirtFlags = /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo);
  }
  return { platform, arch, hvSupport, kvmOpenError: kvmErr, cpuVirtFlags, qemuAccels };
}

/** Detects the best accelerator `qemuBinary` can use on this host. Never throws. */
export async function detectAccelerator(
  qemuBinary: string,
  platform: NodeJS.Platform = process.platform,
): Promise<AccelChoice> {
  return decideAccelerator(await gatherAccelFacts(qemuBinary, platform));
}
