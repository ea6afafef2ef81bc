import { describe, expect, it } from 'vitest';

import {
  decideAccelerator,
  detectAccelerator,
  gatherAccelFacts,
  parseAccelHelp,
  type AccelFacts,
} from '../../../electron/core/drivers/qemu/accel.js';

const linux: AccelFacts = {
  platform: 'linux',
  arch: 'x64',
  hvSupport: false,
  kvmOpenError: null,
  cpuVirtFlags: true,
  qemuAccels: ['tcg', 'kvm'],
};
const mac: AccelFacts = {
  ...linux,
  platform: 'darwin',
  arch: 'arm64',
  hvSupport: true,
  qemuAccels: ['tcg', 'hvf'],
};

describe('decideAccelerator', () => {
  it.each<[string, AccelFacts, string, RegExp]>([
    ['linux with usable kvm', linux, 'kvm', /usable/],
    ['linux, /dev/kvm missing', { ...linux, kvmOpenError: 'ENOENT' }, 'tcg', /\/dev\/kvm.*ENOENT/],
    ['linux, /dev/kvm not permitted', { ...linux, kvmOpenError: 'EACCES' }, 'tcg', /EACCES/],
    [
      'linux, node but no vmx/svm',
      { ...linux, cpuVirtFlags: false },
      'tcg',
      /^no vmx\/svm in \/proc\/cpuinfo$/,
    ],
    ['linux arm64 ignores vmx/svm', { ...linux, arch: 'arm64', cpuVirtFlags: false }, 'kvm', /usable/],
    ['linux, qemu without kvm', { ...linux, qemuAccels: ['tcg'] }, 'tcg', /does not support kvm/],
    ['linux, qemu help unavailable', { ...linux, qemuAccels: null }, 'kvm', /usable/],
    ['mac with hv support', mac, 'hvf', /hv_support is 1/],
    ['mac without hv support', { ...mac, hvSupport: false }, 'tcg', /not 1/],
    ['mac, qemu without hvf', { ...mac, qemuAccels: ['tcg'] }, 'tcg', /does not support hvf/],
    ['other platform', { ...linux, platform: 'freebsd' }, 'tcg', /freebsd/],
  ])('%s → %s', (_name, facts, accel, reason) => {
    const choice = decideAccelerator(facts);
    expect(choice.accel).toBe(accel);
    expect(choice.reason).toMatch(reason);
  });
});

describe('on this machine', () => {
  it('parses the real -accel help output', () => {
    expect(parseAccelHelp('Accelerators supported in QEMU binary:\ntcg\nkvm\n')).toEqual(['tcg', 'kvm']);
  });

  it('gathers real facts: qemu lists tcg', async () => {
    const facts = await gatherAccelFacts('qemu-system-x86_64', 'linux');
    expect(facts.qemuAccels).toContain('tcg');
  });

  it('answers tcg because the CPU lacks vmx/svm', async () => {
    expect(await detectAccelerator('qemu-system-x86_64', 'linux')).toEqual({
      accel: 'tcg',
      reason: 'no vmx/svm in /proc/cpuinfo',
    });
  });

  it('a missing qemu binary leaves qemuAccels null', async () => {
    expect((await gatherAccelFacts('/nonexistent/qemu', 'linux')).qemuAccels).toBeNull();
  });
});
