import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { App } from '../../renderer/src/App.js';
import { resetStore } from '../../renderer/src/store/app-store.js';
import { FIGURES_POLL_MS } from '../../renderer/src/store/subscriptions.js';
import { err, ok } from '../../electron/shared/errors.js';
import type { ResourceFigures, VmStatus } from '../../electron/shared/types.js';
import { STOPPED_STATUS } from '../fixtures/vm-status.js';
import { fakeApi } from './fake-api.js';
import { HOST } from './fixtures.js';

const GIB = 2 ** 30;
const MIB = 2 ** 20;
const flush = () => act(() => Promise.resolve());

const figures = (over: Partial<ResourceFigures> = {}): ResourceFigures => ({
  sampledAt: new Date().toISOString(),
  hypervisorCpuPercent: 2.5,
  hypervisorRssBytes: 1.5 * GIB,
  diskAllocatedBytes: 2.1 * GIB,
  diskSizeBytes: 20 * GIB,
  guestMemoryUsedBytes: 0.4 * GIB,
  guestMemoryTotalBytes: 1.9 * GIB,
  guestDiskUsedBytes: 1.2 * GIB,
  guestDiskTotalBytes: 19.5 * GIB,
  ...over,
});

const RUNNING: VmStatus = {
  ...STOPPED_STATUS,
  state: 'running',
  ip: '127.0.0.1',
  dockerEndpoint: 'unix:///Users/me/.dlite/run/docker.sock',
  uptimeSeconds: 60,
  resources: figures(),
};

const SLEEPING: VmStatus = {
  ...STOPPED_STATUS,
  state: 'sleeping',
  sleep: {
    since: new Date(Date.now() - 12 * 60_000).toISOString(),
    suspended: true,
    savedStateBytes: 210 * MIB,
  },
  resources: figures({ hypervisorCpuPercent: null, hypervisorRssBytes: null }),
};

afterEach(() => {
  cleanup();
  resetStore();
  vi.useRealTimers();
});

function renderPopover(answers: Parameters<typeof fakeApi>[0] = {}) {
  const fake = fakeApi({ status: () => ok(RUNNING), hostInfo: () => ok(HOST), ...answers });
  render(<App api={fake.api} view="popover" />);
  return fake;
}

const openMore = () => fireEvent.click(screen.getByRole('button', { name: 'More' }));

describe('popover: sleeping', () => {
  it('says what sleeping means, since when and what the saved VM takes; Wake starts, Stop forgets it', async () => {
    const fake = renderPopover({ status: () => ok(SLEEPING), start: () => ok(RUNNING) });
    const badge = await screen.findByTestId('vm-state');
    expect(badge.textContent).toBe('Sleeping (wakes on use)');
    expect(badge.className).toContain('tone-sleeping');
    expect(screen.getByTestId('sleep-panel').textContent).toContain(
      'The VM is saved to disk and uses no CPU or memory. The next Docker command wakes it where it left off',
    );
    expect(screen.getByTestId('sleep-facts').textContent).toBe('Asleep for 12 min · saved VM 210 MiB');
    expect(screen.getByTestId('vm-host-usage').textContent).toBe('This Mac: Disk 2.1 GiB');
    expect(screen.queryByTestId('vm-restart')).toBeNull();
    expect(screen.getByTestId('vm-stop').title).toContain('forget the saved VM');
    fireEvent.click(screen.getByTestId('vm-wake'));
    await flush();
    expect(fake.names()).toContain('start');
    expect(screen.getByTestId('vm-state').textContent).toBe('Running');
  });

  it('explains a VM that was shut down instead of saved', async () => {
    renderPopover({
      status: () =>
        ok({
          ...SLEEPING,
          sleep: { since: new Date().toISOString(), suspended: false, savedStateBytes: null },
        }),
    });
    expect((await screen.findByTestId('sleep-panel')).textContent).toContain(
      'The VM is shut down and uses no CPU or memory. The next Docker command starts it again.',
    );
    expect(screen.getByTestId('sleep-facts').textContent).toBe('Asleep for 0 s');
  });

  it('puts a running VM to sleep from the more menu, and shows a refusal', async () => {
    let refuse = false;
    const fake = renderPopover({
      sleep: () => (refuse ? err('vm-busy', 'The VM cannot sleep now: /Users is busy') : ok(SLEEPING)),
    });
    await screen.findByTestId('vm-stop');
    openMore();
    fireEvent.click(screen.getByRole('menuitem', { name: 'Sleep Now' }));
    await flush();
    expect(fake.names()).toContain('sleep');
    expect(screen.getByTestId('vm-state').textContent).toBe('Sleeping (wakes on use)');
    openMore();
    expect(screen.queryByRole('menuitem', { name: 'Sleep Now' })).toBeNull();
    act(() => fake.push('onState', RUNNING));
    refuse = true;
    openMore();
    openMore();
    fireEvent.click(screen.getByRole('menuitem', { name: 'Sleep Now' }));
    await flush();
    expect(screen.getByTestId('api-error').textContent).toBe('The VM cannot sleep now: /Users is busy');
  });
});

describe('popover: resource figures and this machine', () => {
  it('shows the live figures and reads them again while running', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    let current = RUNNING;
    const fake = renderPopover({ status: () => ok(current) });
    expect((await screen.findByTestId('vm-resources')).textContent).toBe(
      'CPU 2 · Memory 0.4/2 GiB · Disk 1.2/20 GiB',
    );
    expect(screen.getByTestId('vm-host-usage').textContent).toBe(
      'This Mac: CPU 2.5 % · Memory 1.5 GiB · Disk 2.1 GiB',
    );
    const reads = fake.names().filter((n) => n === 'status').length;
    current = {
      ...RUNNING,
      resources: figures({ hypervisorCpuPercent: 41, guestMemoryUsedBytes: 1.1 * GIB }),
    };
    await act(() => vi.advanceTimersByTimeAsync(FIGURES_POLL_MS));
    expect(fake.names().filter((n) => n === 'status').length).toBe(reads + 1);
    expect(screen.getByTestId('vm-resources').textContent).toBe('CPU 2 · Memory 1.1/2 GiB · Disk 1.2/20 GiB');
    expect(screen.getByTestId('vm-host-usage').textContent).toContain('CPU 41 %');
    // Not while stopped: nothing live to read.
    act(() => fake.push('onState', STOPPED_STATUS));
    await act(() => vi.advanceTimersByTimeAsync(FIGURES_POLL_MS * 2));
    expect(fake.names().filter((n) => n === 'status').length).toBe(reads + 1);
  });

  it('reclaims disk space from the more menu and says what came back', async () => {
    const fake = renderPopover({
      reclaimDisk: () =>
        ok({ trimmedBytes: 2 * GIB, allocatedBeforeBytes: 4 * GIB, allocatedAfterBytes: 2.5 * GIB }),
    });
    await screen.findByTestId('vm-stop');
    openMore();
    fireEvent.click(screen.getByRole('menuitem', { name: 'Reclaim Disk Space' }));
    await flush();
    expect(fake.names()).toContain('reclaimDisk');
    expect(screen.getByTestId('notice').textContent).toBe(
      'Gave 1.5 GiB back to this Mac; the VM’s disk now takes 2.5 GiB.',
    );
  });

  it('shows what does not work on this machine, and a question waiting in its dialog, as quiet lines', async () => {
    renderPopover({
      status: () =>
        ok({
          ...RUNNING,
          hostIntegration: {
            pending: {
              id: 'q1',
              title: 'Dlite needs an administrator password to change one system file',
              changes: [],
              ifDeclined: [],
              expiresAt: new Date(Date.now() + 60_000).toISOString(),
            },
            degraded: [
              { feature: 'hostname', message: 'local.docker does not resolve: use 127.0.0.1 instead' },
            ],
          },
        }),
    });
    expect((await screen.findByTestId('degraded-hostname')).textContent).toBe(
      'local.docker does not resolve: use 127.0.0.1 instead',
    );
    expect(screen.getByTestId('degraded-hostname').className).toBe('secondary');
    expect(screen.getByTestId('privileged-pending').textContent).toBe(
      'Waiting for your answer in the dialog: Dlite needs an administrator password to change one system file.',
    );
  });

  it('has no notes section when nothing is degraded or asked', async () => {
    renderPopover();
    await screen.findByTestId('vm-stop');
    expect(screen.queryByTestId('host-notes')).toBeNull();
  });
});
