import { describe, expect, it } from 'vitest';

import type { DriverFeatures } from '../../../electron/core/drivers/driver.js';
import { describeCapabilities } from '../../../electron/core/idle/capabilities.js';
import { parseTrimmed } from '../../../electron/core/resources/reclaim.js';

const qemu: DriverFeatures = {
  shareType: 'virtiofs',
  networkMode: 'user',
  dockerPort: 'virtio-serial',
  needsRoot: false,
  arches: ['amd64'],
  memoryReturn: 'free-page-reporting',
  suspend: true,
};

describe('doctor lines for idle cost, memory and the share', () => {
  it('QEMU with virtiofsd: all fine', () => {
    expect(
      describeCapabilities({ name: 'qemu', features: qemu }, 'virtiofsd at /usr/lib/qemu/virtiofsd'),
    ).toEqual([
      { name: 'shared folder', level: 'ok', detail: 'virtiofs (virtiofsd at /usr/lib/qemu/virtiofsd)' },
      {
        name: 'memory return',
        level: 'ok',
        detail: 'free page reporting: memory the VM frees goes back to this machine',
      },
      { name: 'idle suspend', level: 'ok', detail: 'the VM is saved when idle and wakes in seconds' },
    ]);
  });

  it('QEMU with an unprivileged virtiofsd warns what the share cannot do', () => {
    const [share] = describeCapabilities({ name: 'qemu', features: qemu }, 'virtiofsd at /v', {
      shareLimit: 'only root creates files',
    });
    expect(share).toEqual({
      name: 'shared folder',
      level: 'warn',
      detail: 'virtiofs (virtiofsd at /v): only root creates files',
    });
  });

  it('QEMU without virtiofsd says why the share is 9p', () => {
    const [share] = describeCapabilities(
      { name: 'qemu', features: { ...qemu, shareType: '9p' } },
      'virtiofsd not found',
    );
    expect(share).toEqual({
      name: 'shared folder',
      level: 'warn',
      detail: '9p, the slower share: virtiofsd not found',
    });
  });

  it.each([
    ['vfkit', "vfkit's balloon does not return freed pages to macOS"],
    ['xhyve', 'xhyve has no balloon'],
  ] as const)('%s: says memory cannot come back and the VM cannot be saved', (name, why) => {
    const lines = describeCapabilities(
      {
        name,
        features: {
          ...qemu,
          shareType: name === 'xhyve' ? 'nfs' : 'virtiofs',
          memoryReturn: 'none',
          suspend: false,
        },
      },
      null,
    );
    expect(lines[1]).toEqual({
      name: 'memory return',
      level: 'warn',
      detail: `none: ${why}; the VM's footprint only shrinks when it restarts or sleeps; dlite config set restart_to_free_memory true restarts it when nothing runs and it holds far more than when idle`,
    });
    expect(lines[2]).toEqual({
      name: 'idle suspend',
      level: 'warn',
      detail: `${name} cannot save a VM: an idle stop shuts it down and the wake boots it`,
    });
  });
});

describe('doctor with restart_to_free_memory on', () => {
  it('says when the VM is restarted instead of offering the setting', () => {
    const vfkit = {
      name: 'vfkit' as const,
      features: { ...qemu, memoryReturn: 'none' as const, suspend: false },
    };
    expect(describeCapabilities(vfkit, null, { restartToFreeMemory: true })[1]?.detail).toBe(
      "none: vfkit's balloon does not return freed pages to macOS; the VM's footprint only shrinks when it restarts or sleeps; restart_to_free_memory restarts it when nothing runs and it holds 1.5× and 512 MiB more than its idle level",
    );
    // QEMU returns memory itself: the setting changes nothing there.
    expect(
      describeCapabilities({ name: 'qemu', features: qemu }, null, { restartToFreeMemory: true })[1]?.level,
    ).toBe('ok');
  });
});

describe('reclaim', () => {
  it('reads the guest helper output', () => {
    expect(parseTrimmed('trimmed 1288490188\n')).toBe(1288490188);
    expect(parseTrimmed('error\n')).toBeNull();
  });
});
