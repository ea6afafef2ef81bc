import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { describeHost, hypervisorChoices, type HostProbe } from '../../../electron/core/host/host-info.js';
import { resolvePaths } from '../../../electron/core/paths.js';
import { MAC } from '../settings/fixtures.js';

describe('hypervisorChoices', () => {
  it('offers QEMU on Linux and says why xhyve and vfkit are not', () => {
    const r = hypervisorChoices({ platform: 'linux', arch: 'x64' }, ['qemu'], new Set(['qemu']));
    expect(r).toEqual([
      {
        name: 'xhyve',
        available: false,
        reason:
          'xhyve runs only on Intel Macs, not on this machine (linux): dlite config set hypervisor auto',
      },
      {
        name: 'vfkit',
        available: false,
        reason:
          'vfkit runs only on macOS 13 or later, not on this machine (linux): dlite config set hypervisor auto',
      },
      { name: 'qemu', available: true, reason: null },
    ]);
  });

  it('on Apple Silicon: xhyve is Intel-only, vfkit needs installing when the build has it', () => {
    const r = hypervisorChoices({ platform: 'darwin', arch: 'arm64' }, ['qemu', 'vfkit'], new Set(['qemu']));
    expect(r.find((c) => c.name === 'xhyve')?.reason).toBe(
      'xhyve runs only on Intel Macs, not on this Mac (arm64): dlite config set hypervisor auto',
    );
    expect(r.find((c) => c.name === 'vfkit')?.reason).toBe('vfkit is not installed (brew install vfkit)');
  });

  it('on an Intel Mac names a driver this build does not contain', () => {
    const r = hypervisorChoices({ platform: 'darwin', arch: 'x64' }, ['qemu'], new Set(['qemu']));
    expect(r.find((c) => c.name === 'xhyve')).toEqual({
      name: 'xhyve',
      available: false,
      reason: 'xhyve is not part of this build of Dlite',
    });
  });
});

describe('describeHost', () => {
  it('reports limits, the current disk size (GiB, rounded up) and whether settings exist', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'dl-host-'));
    try {
      const paths = resolvePaths({ DLITE_HOME: home });
      const probe: HostProbe = {
        facts: MAC,
        arch: 'arm64',
        registered: ['qemu'],
        installed: new Set(['qemu']),
      };
      const before = await describeHost(paths, {}, probe);
      expect(before).toMatchObject({
        cpus: 2,
        memoryGiB: 8,
        maxMemoryGiB: 7,
        diskGiB: null,
        installed: false,
        autoHypervisor: 'qemu',
        home,
      });
      await writeFile(paths.config, '{}');
      await writeFile(paths.disk, '');
      await truncate(paths.disk, 3 * 2 ** 30 + 1);
      const after = await describeHost(paths, {}, probe);
      expect(after.installed).toBe(true);
      expect(after.diskGiB).toBe(4);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
