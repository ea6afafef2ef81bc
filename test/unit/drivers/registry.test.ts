import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { DriverError, type HypervisorDriver } from '../../../electron/core/drivers/driver.js';
import { QemuDriver } from '../../../electron/core/drivers/qemu/qemu-driver.js';
import {
  availableDrivers,
  binaryOnPath,
  createDriver,
  hostProblem,
  registeredDrivers,
  selectDriver,
  type DriverEntry,
  type HostInfo,
} from '../../../electron/core/drivers/registry.js';
import { VfkitDriver } from '../../../electron/core/drivers/vfkit/vfkit-driver.js';
import { XhyveDriver } from '../../../electron/core/drivers/xhyve/xhyve-driver.js';
import { resolvePaths } from '../../../electron/core/paths.js';
import type { HypervisorName, HypervisorSetting } from '../../../electron/shared/types.js';

const paths = resolvePaths({ DLITE_HOME: '/tmp/dlite-registry' });
const macArm = { platform: 'darwin' as const, arch: 'arm64' };
const macIntel = { platform: 'darwin' as const, arch: 'x64' };
const linux = { platform: 'linux' as const, arch: 'x64' };
const all = new Set<HypervisorName>(['qemu', 'xhyve', 'vfkit']);

describe('selectDriver', () => {
  it.each<[string, HypervisorSetting, HostInfo, ReadonlySet<HypervisorName>, HypervisorName]>([
    ['auto on Apple Silicon', 'auto', macArm, all, 'vfkit'],
    ['auto on Apple Silicon without vfkit', 'auto', macArm, new Set(['qemu']), 'qemu'],
    ['auto on an Intel Mac with xhyve installed', 'auto', macIntel, all, 'xhyve'],
    ['auto on an Intel Mac without xhyve', 'auto', macIntel, new Set(['qemu', 'vfkit']), 'vfkit'],
    ['auto on an Intel Mac with neither', 'auto', macIntel, new Set(['qemu']), 'qemu'],
    ['auto on Linux', 'auto', linux, all, 'qemu'],
    ['auto with nothing known', 'auto', linux, new Set(), 'qemu'],
    ['explicit xhyve wins', 'xhyve', linux, new Set(['qemu']), 'xhyve'],
    ['explicit qemu on a Mac', 'qemu', macArm, all, 'qemu'],
  ])('%s → %s', (_n, setting, host, available, expected) => {
    expect(selectDriver(setting, host, available)).toBe(expected);
  });

  it('registers all three; a Mac without xhyve or vfkit installed falls back to qemu', () => {
    expect(registeredDrivers()).toEqual(['qemu', 'xhyve', 'vfkit']);
    expect(selectDriver('auto', linux)).toBe('qemu');
    expect([...availableDrivers(macArm, { PATH: '/nonexistent' })]).toEqual(['qemu']);
    expect([...availableDrivers(linux, { PATH: '/usr/bin:/bin' })]).toEqual(['qemu']);
  });

  it('finds xhyve and vfkit on PATH only on the Macs that can run them', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-avail-'));
    try {
      for (const b of ['xhyve', 'vfkit']) await writeFile(path.join(dir, b), '#!/bin/sh\n', { mode: 0o755 });
      expect([...availableDrivers(macIntel, { PATH: dir })]).toEqual(['qemu', 'xhyve', 'vfkit']);
      expect([...availableDrivers(macArm, { PATH: dir })]).toEqual(['qemu', 'vfkit']);
      expect([...availableDrivers(linux, { PATH: dir })]).toEqual(['qemu']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each<[HypervisorName, HostInfo, string | null]>([
    [
      'xhyve',
      linux,
      'xhyve runs only on Intel Macs, not on this machine (linux): dlite config set hypervisor auto',
    ],
    [
      'xhyve',
      macArm,
      'xhyve runs only on Intel Macs, not on this Mac (arm64): dlite config set hypervisor auto',
    ],
    [
      'vfkit',
      linux,
      'vfkit runs only on macOS 13 or later, not on this machine (linux): dlite config set hypervisor auto',
    ],
    ['xhyve', macIntel, null],
    ['vfkit', macArm, null],
    ['qemu', linux, null],
  ])('hostProblem(%s, %o)', (name, host, want) => {
    expect(hostProblem(name, host)).toBe(want);
  });
});

describe('createDriver', () => {
  it('creates a QemuDriver with the qemu features', () => {
    const d = createDriver('qemu', paths, { env: { DLITE_VIRTIOFSD: 'off' } });
    expect(d).toBeInstanceOf(QemuDriver);
    expect(d.info).toEqual({
      name: 'qemu',
      features: {
        shareType: '9p',
        networkMode: 'user',
        needsRoot: false,
        arches: ['amd64'],
        dockerPort: 'virtio-serial',
        memoryReturn: 'free-page-reporting',
        suspend: true,
      },
    });
    const fsd = path.join(import.meta.dirname, 'fake-virtiofsd');
    expect(
      new QemuDriver(paths, { env: { DLITE_VIRTIOFSD: process.execPath }, platform: 'linux' }).info.features
        .shareType,
    ).toBe('virtiofs');
    expect(new QemuDriver(paths, { env: { DLITE_VIRTIOFSD: fsd }, platform: 'linux' }).virtiofsd.reason).toBe(
      `DLITE_VIRTIOFSD=${fsd} is not an executable file; using 9p`,
    );
    expect(new QemuDriver(paths, { hostArch: 'arm64' }).info.features.arches).toEqual(['arm64']);
  });

  it('creates the macOS drivers with their features as data', () => {
    const x = createDriver('xhyve', paths);
    expect(x).toBeInstanceOf(XhyveDriver);
    expect(x.info.features).toEqual({
      shareType: 'nfs',
      networkMode: 'vmnet',
      needsRoot: true,
      arches: ['amd64'],
      dockerPort: 'none',
      memoryReturn: 'none',
      suspend: false,
    });
    const v = createDriver('vfkit', paths, { hostArch: 'arm64' });
    expect(v).toBeInstanceOf(VfkitDriver);
    expect(v.info.features).toEqual({
      shareType: 'virtiofs',
      networkMode: 'vmnet',
      needsRoot: false,
      arches: ['arm64'],
      dockerPort: 'vsock',
      memoryReturn: 'none',
      suspend: false,
    });
    const e: unknown = (() => {
      try {
        return createDriver('vfkit', paths, {}, []);
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(DriverError);
    expect((e as DriverError).message).toBe('vfkit is not available in this build');
  });

  it('is data-driven: a new entry slots in for selection and creation', () => {
    const fake = { info: { name: 'vfkit' } } as unknown as HypervisorDriver;
    const entries: DriverEntry[] = [
      { name: 'qemu', installed: () => true, create: () => createDriver('qemu', paths) },
      { name: 'vfkit', installed: (h) => h.platform === 'darwin', create: () => fake },
    ];
    const available = availableDrivers(macArm, {}, entries);
    expect([...available]).toEqual(['qemu', 'vfkit']);
    expect(selectDriver('auto', macArm, available)).toBe('vfkit');
    expect(selectDriver('auto', linux, availableDrivers(linux, {}, entries))).toBe('qemu');
    expect(createDriver('vfkit', paths, {}, entries)).toBe(fake);
  });

  it('binaryOnPath finds executables only', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-path-'));
    try {
      await writeFile(path.join(dir, 'xhyve'), '#!/bin/sh\n', { mode: 0o755 });
      await writeFile(path.join(dir, 'vfkit'), 'not executable', { mode: 0o644 });
      expect(binaryOnPath('xhyve', { PATH: dir })).toBe(true);
      expect(binaryOnPath('vfkit', { PATH: dir })).toBe(false);
      expect(binaryOnPath('sh', { PATH: '/usr/bin:/bin' })).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
