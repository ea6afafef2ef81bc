import { describe, expect, it } from 'vitest';

import type { VmConfig } from '../../../electron/core/drivers/driver.js';
import {
  staleReason,
  stateFingerprint,
  type FingerprintInputs,
  type SavedStateManifest,
} from '../../../electron/core/drivers/qemu/saved-state.js';
import { findVirtiofsd, virtiofsdArgs } from '../../../electron/core/drivers/qemu/virtiofsd.js';
import { resolvePaths } from '../../../electron/core/paths.js';

const paths = resolvePaths({ DLITE_HOME: '/home/u/.dlite' });
const cfg: VmConfig = {
  uuid: 'b5b7e5c6-1f2a-4c3b-9d4e-0123456789ab',
  hostname: 'local.docker',
  cpus: 2,
  memoryGiB: 2,
  diskGiB: 20,
  arch: 'amd64',
  kernelPath: '/os/bzImage',
  initrdPath: '/os/rootfs.cpio.zst',
  cmdline: 'console=ttyS0 dlite.time=1700000000 dlite.hostname=local.docker',
  share: { hostPath: '/home/u', tag: 'dlite-share' },
  dockerTcp: false,
};
const stamp = { size: 10, mtimeMs: 1000, ino: 7 };
const inputs: FingerprintInputs = {
  cfg,
  binary: { path: '/usr/bin/qemu-system-x86_64', stamp },
  kernel: stamp,
  initrd: { ...stamp, ino: 8 },
  accel: 'tcg',
  shareType: 'virtiofs',
  disk: paths.disk,
};

describe('saved VM validity', () => {
  const print = stateFingerprint(inputs);

  it('ignores the boot clock but nothing else on the command line', () => {
    expect(
      stateFingerprint({
        ...inputs,
        cfg: { ...cfg, cmdline: cfg.cmdline.replace('1700000000', '1800000000') },
      }),
    ).toBe(print);
    expect(
      stateFingerprint({ ...inputs, cfg: { ...cfg, cmdline: `${cfg.cmdline} dlite.dns=AAA` } }),
    ).not.toBe(print);
  });

  it.each<[string, Partial<FingerprintInputs>]>([
    ['more memory', { cfg: { ...cfg, memoryGiB: 4 } }],
    ['more CPUs', { cfg: { ...cfg, cpus: 1 } }],
    ['another share', { cfg: { ...cfg, share: { hostPath: '/srv', tag: 'dlite-share' } } }],
    ['9p instead of virtiofs', { shareType: '9p' }],
    ['docker_tcp', { cfg: { ...cfg, dockerTcp: true } }],
    ['a replaced OS image', { initrd: { ...stamp, mtimeMs: 2000 } }],
    ['a missing kernel', { kernel: null }],
    ['an upgraded QEMU', { binary: { path: '/usr/bin/qemu-system-x86_64', stamp: { ...stamp, size: 11 } } }],
    ['another accelerator', { accel: 'kvm' }],
  ])('changes with %s', (_name, patch) => {
    expect(stateFingerprint({ ...inputs, ...patch })).not.toBe(print);
  });

  const saved: SavedStateManifest = {
    version: 1,
    savedAt: '2026-11-30T00:00:00.000Z',
    fingerprint: print,
    disk: { size: 100, mtimeMs: 5, ino: 3 },
    sshPort: 40022,
    virtiofs: true,
    codec: 'zstd',
  };

  it('resumes only with the same fingerprint and an untouched disk', () => {
    expect(staleReason(saved, print, { size: 100, mtimeMs: 5, ino: 3 })).toBeNull();
    expect(staleReason(saved, 'other', saved.disk)).toMatch(/settings, the OS image or QEMU changed/);
    expect(staleReason(saved, print, null)).toBe('the disk image is gone');
    for (const disk of [
      { size: 101, mtimeMs: 5, ino: 3 },
      { size: 100, mtimeMs: 6, ino: 3 },
      { size: 100, mtimeMs: 5, ino: 4 },
    ]) {
      expect(staleReason(saved, print, disk)).toBe('the disk image changed since the VM was saved');
    }
  });
});

describe('virtiofsd', () => {
  const has =
    (...files: string[]) =>
    (f: string) =>
      files.includes(f);

  it('prefers the C virtiofsd of qemu-system-common, then the Rust one; 9p without either', () => {
    expect(findVirtiofsd({}, 'linux', has('/usr/lib/qemu/virtiofsd', '/usr/libexec/virtiofsd'), 0).path).toBe(
      '/usr/lib/qemu/virtiofsd',
    );
    expect(findVirtiofsd({}, 'linux', has('/usr/libexec/virtiofsd'), 0).path).toBe('/usr/libexec/virtiofsd');
    const none = findVirtiofsd({}, 'linux', has(), 0);
    expect(none.path).toBeNull();
    expect(none.reason).toMatch(/virtiofsd not found .*using 9p: install qemu-system-common/);
    expect(
      findVirtiofsd({ DLITE_VIRTIOFSD: 'off' }, 'linux', has('/usr/lib/qemu/virtiofsd')).path,
    ).toBeNull();
    expect(findVirtiofsd({}, 'darwin', has('/usr/lib/qemu/virtiofsd'))).toEqual({
      path: null,
      reason: 'virtiofs needs a Linux host; using 9p',
    });
  });

  it('leaves the root-only C virtiofsd out for a normal user: 9p, or another virtiofsd with its limit', () => {
    const c = has('/usr/lib/qemu/virtiofsd');
    expect(findVirtiofsd({}, 'linux', c, 0)).toEqual({
      path: '/usr/lib/qemu/virtiofsd',
      reason: 'virtiofsd at /usr/lib/qemu/virtiofsd',
    });
    expect(findVirtiofsd({}, 'linux', c, 1000)).toEqual({
      path: null,
      reason:
        '/usr/lib/qemu/virtiofsd (qemu-system-common) runs only as root: it keeps its lock in /var/run/virtiofsd; using 9p',
    });
    const limit =
      'run as a normal user, it lets only root in a container create files and folders in the share (other users get "Invalid argument"); DLITE_VIRTIOFSD=off uses 9p, where your own uid can too';
    expect(
      findVirtiofsd({}, 'linux', has('/usr/lib/qemu/virtiofsd', '/usr/libexec/virtiofsd'), 1000),
    ).toEqual({
      path: '/usr/libexec/virtiofsd',
      reason: 'virtiofsd at /usr/libexec/virtiofsd',
      limit,
    });
    expect(findVirtiofsd({ DLITE_VIRTIOFSD: '/opt/vfsd' }, 'linux', has('/opt/vfsd'), 1000)).toEqual({
      path: '/opt/vfsd',
      reason: 'DLITE_VIRTIOFSD=/opt/vfsd',
      limit,
    });
  });

  it('runs as is for root, in a user namespace of its own for anyone else', () => {
    const o = { socket: '/r/virtiofs.sock', source: '/home/me/my dir', uid: 0 };
    const fixed = ['--socket-path=/r/virtiofs.sock', '-o', 'source=/home/me/my dir', '-o', 'cache=auto'];
    expect(virtiofsdArgs('/usr/lib/qemu/virtiofsd', o)).toEqual({
      file: '/usr/lib/qemu/virtiofsd',
      args: [...fixed, '-o', 'no_xattr', '--rlimit-nofile=0'],
    });
    expect(virtiofsdArgs('/usr/lib/qemu/virtiofsd', { ...o, uid: 1000 })).toEqual({
      file: 'unshare',
      args: [
        '--user',
        '--map-root-user',
        '--',
        '/usr/lib/qemu/virtiofsd',
        ...fixed,
        '-o',
        'no_xattr',
        '--rlimit-nofile=0',
      ],
    });
  });
});
