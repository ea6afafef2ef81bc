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
  registeredDrivers,
  selectDriver,
  type DriverEntry,
  type HostInfo,
} from '../../../electron/core/drivers/registry.js';
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
    ['auto on an Intel Mac without xhyve', 'auto', macIntel, new Set(['qemu', 'vfkit']), 'qemu'],
    ['auto on Linux', 'auto', linux, all, 'qemu'],
    ['auto with nothing known', 'auto', linux, new Set(), 'qemu'],
    ['explicit xhyve wins', 'xhyve', linux, new Set(['qemu']), 'xhyve'],
    ['explicit qemu on a Mac', 'qemu', macArm, all, 'qemu'],
  ])('%s → %s', (_n, setting, host, available, expected) => {
    expect(selectDriver(setting, host, available)).toBe(expected);
  });

  it('defaults to what this build has: qemu on Linux', () => {
    expect(registeredDrivers()).toEqual(['qemu']);
    expect(selectDriver('auto', linux)).toBe('qemu');
    expect(selectDriver('auto', macArm)).toBe('qemu');
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

  it.each<HypervisorName>(['xhyve', 'vfkit'])('%s is not in this build yet', (name) => {
    const e: unknown = (() => {
      try {
        return createDriver(name, paths);
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(DriverError);
    expect((e as DriverError).code).toBe('driver-unavailable');
    expect((e as DriverError).message).toBe(`${name} is not available in this build`);
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
