import { describe, expect, it } from 'vitest';

import {
  STALE_MS,
  gibFigure,
  percentFigure,
  reclaimMessage,
  resourceView,
} from '../../renderer/src/lib/resources.js';
import type { ResourceFigures, VmStatus } from '../../electron/shared/types.js';
import { STOPPED_STATUS } from '../fixtures/vm-status.js';
import { HOST } from './fixtures.js';

const GIB = 2 ** 30;
const NOW = Date.parse('2026-12-01T10:00:00Z');

const FIGURES: ResourceFigures = {
  sampledAt: new Date(NOW - 5_000).toISOString(),
  hypervisorCpuPercent: 3.14,
  hypervisorRssBytes: 1.4 * GIB,
  diskAllocatedBytes: 2.1 * GIB,
  diskSizeBytes: 20 * GIB,
  guestMemoryUsedBytes: 0.55 * GIB,
  guestMemoryTotalBytes: 1.9 * GIB,
  guestDiskUsedBytes: 3.4 * GIB,
  guestDiskTotalBytes: 19.5 * GIB,
};

const texts = (figures: readonly { text: string }[]) => figures.map((f) => f.text);
const status = (state: VmStatus['state'], resources: ResourceFigures | null): VmStatus => ({
  ...STOPPED_STATUS,
  state,
  resources,
});

describe('resource lines', () => {
  it('while running: the guest’s use of its allowance, and what the hypervisor and disk file cost', () => {
    const view = resourceView(status('running', FIGURES), HOST, NOW);
    expect(texts(view.vm)).toEqual(['CPU 2', 'Memory 0.6/2 GiB', 'Disk 3.4/20 GiB']);
    expect(texts(view.host)).toEqual(['CPU 3.1 %', 'Memory 1.4 GiB', 'Disk 2.1 GiB']);
    expect(view.vm[1]?.title).toBe('563.2 MiB of the VM’s 2 GiB in use inside it');
    expect(view.host[0]?.title).toBe('The hypervisor used 3.1 % of one core over the last minute');
    expect(view.age).toBeNull();
  });

  it('leaves out what was not measured, and never shows guest figures unless running', () => {
    const early = {
      ...FIGURES,
      hypervisorCpuPercent: null,
      guestMemoryUsedBytes: null,
      guestDiskUsedBytes: null,
    };
    const running = resourceView(status('running', early), HOST, NOW);
    expect(texts(running.vm)).toEqual(['CPU 2', 'Memory 2 GiB', 'Disk 20 GiB']);
    expect(texts(running.host)).toEqual(['Memory 1.4 GiB', 'Disk 2.1 GiB']);
    const sleeping = resourceView(
      status('sleeping', { ...FIGURES, hypervisorCpuPercent: null, hypervisorRssBytes: null }),
      HOST,
      NOW,
    );
    expect(texts(sleeping.vm)).toEqual(['CPU 2', 'Memory 2 GiB', 'Disk 20 GiB']);
    expect(texts(sleeping.host)).toEqual(['Disk 2.1 GiB']);
    // A stopped VM's last figures do not count as the hypervisor's.
    expect(texts(resourceView(status('stopped', FIGURES), HOST, NOW).host)).toEqual(['Disk 2.1 GiB']);
    expect(resourceView(status('stopped', null), null, NOW)).toEqual({
      vm: expect.any(Array),
      host: [],
      age: null,
    });
  });

  it('says how old the figures are once they are stale', () => {
    const old = { ...FIGURES, sampledAt: new Date(NOW - STALE_MS - 60_000).toISOString() };
    expect(resourceView(status('running', old), HOST, NOW).age).toBe('2 min ago');
  });

  it('formats GiB and CPU figures compactly', () => {
    expect([0, 1, 0.04 * GIB, 0.55 * GIB, 9.96 * GIB, 12.4 * GIB].map(gibFigure)).toEqual([
      '0',
      '0.1',
      '0.1',
      '0.6',
      '10',
      '12',
    ]);
    expect([0, 0.44, 9.96, 112.4].map(percentFigure)).toEqual(['0 %', '0.4 %', '10 %', '112 %']);
  });
});

describe('reclaim message', () => {
  it('says what came back, or that nothing did', () => {
    expect(
      reclaimMessage(
        { trimmedBytes: 3 * GIB, allocatedBeforeBytes: 5 * GIB, allocatedAfterBytes: 3.5 * GIB },
        HOST,
      ),
    ).toBe('Gave 1.5 GiB back to this Mac; the VM’s disk now takes 3.5 GiB.');
    expect(
      reclaimMessage(
        { trimmedBytes: 2 * GIB, allocatedBeforeBytes: 3.5 * GIB, allocatedAfterBytes: 3.5 * GIB - 4096 },
        { ...HOST, platform: 'linux' },
      ),
    ).toBe('Nothing came back: the VM’s disk already takes only what it uses (3.5 GiB on this machine).');
  });
});
