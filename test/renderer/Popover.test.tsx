import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { App } from '../../renderer/src/App.js';
import { resetStore } from '../../renderer/src/store/app-store.js';
import { err, ok } from '../../electron/shared/errors.js';
import type { VmStatus } from '../../electron/shared/types.js';
import { STOPPED_STATUS } from '../fixtures/vm-status.js';
import { fakeApi } from './fake-api.js';
import { HOST } from './fixtures.js';

const RUNNING: VmStatus = {
  ...STOPPED_STATUS,
  state: 'running',
  ip: '127.0.0.1',
  dockerEndpoint: 'unix:///Users/me/.dlite/run/docker.sock',
  uptimeSeconds: 3720,
};

const writeText = vi.fn((_text: string) => Promise.resolve());
beforeEach(() => {
  Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
  writeText.mockClear();
});
/** Lets pending answers land. */
const flush = () => act(() => Promise.resolve());

afterEach(() => {
  cleanup();
  resetStore();
});

function renderPopover(answers: Parameters<typeof fakeApi>[0] = {}) {
  const fake = fakeApi({ status: () => ok(STOPPED_STATUS), hostInfo: () => ok(HOST), ...answers });
  const view = render(<App api={fake.api} view="popover" />);
  return { ...fake, view };
}

describe('popover', () => {
  it('says the service is starting until the daemon answers, then shows the VM', async () => {
    let up = false;
    const fake = renderPopover({
      status: () =>
        up
          ? ok(STOPPED_STATUS)
          : err('daemon-unreachable', 'Starting Dlite service…', { service: 'connecting' }),
    });
    expect(
      await screen.findByText('Starting Dlite service…', { selector: 'p:not([data-testid])' }),
    ).toBeTruthy();
    expect(screen.getByTestId('vm-state').dataset['state']).toBe('connecting');
    up = true;
    await act(() => {
      fake.push('onService', { phase: 'ready', message: null });
      return Promise.resolve();
    });
    expect((await screen.findByTestId('vm-state')).textContent).toBe('Stopped');
    expect(screen.getByTestId('vm-start')).toBeTruthy();
  });

  it('shows why the service could not start and tries again', async () => {
    const fake = renderPopover({
      status: () =>
        err('daemon-unreachable', 'The Dlite service could not start: exit code 1', {
          service: 'failed' as const,
        }),
      retryService: () => ok({ phase: 'connecting', message: null }),
    });
    expect((await screen.findByTestId('service-message')).textContent).toBe(
      'The Dlite service could not start: exit code 1',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Try Again' }));
    await flush();
    expect(fake.names()).toContain('retryService');
  });

  it('goes through starting with the step name and progress to running with the IP', async () => {
    const fake = renderPopover({ start: () => new Promise(() => undefined) });
    fireEvent.click(await screen.findByTestId('vm-start'));
    act(() => fake.push('onState', { ...STOPPED_STATUS, state: 'starting' }));
    act(() =>
      fake.push('onProgress', {
        operation: 'start',
        step: 'wait-ssh',
        description: 'Waiting for SSH',
        current: 4,
        max: 7,
      }),
    );
    expect(screen.getByTestId('vm-state').textContent).toBe('Starting…');
    expect(screen.getByTestId('vm-step').textContent).toBe('Waiting for SSH…');
    expect(screen.getByTestId('vm-progress').textContent).toBe('Step 4 of 7');
    expect(screen.getByRole('progressbar', { name: 'Waiting for SSH…: step 4 of 7' })).toBeTruthy();
    act(() => fake.push('onState', RUNNING));
    expect(screen.getByTestId('vm-state').textContent).toBe('Running');
    expect(screen.getByTestId('vm-ip').textContent).toBe('127.0.0.1');
    expect(screen.getByTestId('vm-endpoint').textContent).toBe('unix:///Users/me/.dlite/run/docker.sock');
    expect(screen.getByTestId('vm-uptime').textContent).toBe('1 h 2 min');
    expect(screen.queryByTestId('vm-step')).toBeNull();
  });

  it('stops, restarts and opens the terminal from the buttons', async () => {
    const fake = renderPopover({
      status: () => ok(RUNNING),
      stop: () => ok(STOPPED_STATUS),
      restart: () => ok(RUNNING),
    });
    fireEvent.click(await screen.findByTestId('vm-terminal'));
    await flush();
    fireEvent.click(screen.getByTestId('vm-restart'));
    await flush();
    fireEvent.click(screen.getByTestId('vm-stop'));
    await flush();
    expect(fake.names().filter((n) => ['openTerminal', 'restart', 'stop'].includes(n))).toEqual([
      'openTerminal',
      'restart',
      'stop',
    ]);
    expect(screen.getByTestId('vm-state').textContent).toBe('Stopped');
    expect(screen.getByTestId<HTMLButtonElement>('vm-terminal').disabled).toBe(true);
  });

  it('shows failure details in the error panel and copies diagnostics', async () => {
    const failed: VmStatus = {
      ...STOPPED_STATUS,
      state: 'error',
      failure: {
        step: 'wait-docker',
        message: 'Docker did not answer /_ping within 120 s',
        lastCommand: 'ssh docker@127.0.0.1 true',
        lastConsoleLines: ['dlite: milestone network', 'dockerd: failed to start'],
      },
    };
    renderPopover({
      status: () => ok(failed),
      logs: () => ok([{ source: 'dlite', time: '2026-01-01T00:00:00Z', text: 'info state error' }]),
    });
    const panel = await screen.findByTestId('error-panel');
    expect(within(panel).getByTestId('error-title').textContent).toBe('Waiting for Docker failed');
    expect(within(panel).getByTestId('error-message').textContent).toBe(
      'Docker did not answer /_ping within 120 s',
    );
    expect(within(panel).getByTestId('error-console').textContent).toBe(
      'dlite: milestone network\ndockerd: failed to start',
    );
    fireEvent.click(within(panel).getByTestId('copy-diagnostics'));
    await flush();
    const text = writeText.mock.calls[0]?.[0] ?? '';
    expect(text).toContain('Failed: Waiting for Docker failed (step wait-docker)');
    expect(text).toContain('Last command: ssh docker@127.0.0.1 true');
    expect(text).toContain('dockerd: failed to start');
    expect(text).toContain('2026-01-01T00:00:00Z info state error');
    expect(within(panel).getByTestId('copy-diagnostics').textContent).toBe('Copied');
  });

  it('offers Set Up with no Dlite home, shows each install step, then Start', async () => {
    let finishInstall: (v: ReturnType<typeof ok>) => void = () => undefined;
    let installed = false;
    const fake = renderPopover({
      hostInfo: () => ok({ ...HOST, installed }),
      install: () => new Promise((r) => (finishInstall = r)),
      start: () => ok(RUNNING),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Set Up Dlite' }));
    expect(screen.queryByTestId('vm-start')).toBeNull();
    act(() =>
      fake.push('onProgress', {
        operation: 'install',
        step: 'disk',
        description: 'Creating the 20 GiB disk (sparse)',
        current: 3,
        max: 4,
      }),
    );
    expect(screen.getByTestId('vm-step').textContent).toBe('Creating the 20 GiB disk (sparse)');
    expect(screen.getByTestId('vm-progress').textContent).toBe('Step 3 of 4');
    await act(() => {
      installed = true;
      finishInstall(ok(null));
      return Promise.resolve();
    });
    expect(fake.names()).toContain('install');
    expect(fake.names().filter((n) => n === 'hostInfo').length).toBeGreaterThan(1);
    fireEvent.click(await screen.findByTestId('vm-start'));
    await flush();
    expect((await screen.findByTestId('vm-state')).textContent).toBe('Running');
  });

  it('renders a state the contract does not list yet, by its words', async () => {
    renderPopover({ status: () => ok({ ...STOPPED_STATUS, state: 'sleeping' }) });
    const badge = await screen.findByTestId('vm-state');
    expect(badge.textContent).toBe('Sleeping (wakes on use)');
    expect(badge.className).toContain('tone-sleeping');
    expect(screen.getByTestId('vm-endpoint').textContent).toBe('Wakes when Docker is used');
    expect(screen.getByTestId('vm-stop')).toBeTruthy();
  });

  it('labels every control and opens Logs and Settings windows', async () => {
    const fake = renderPopover({ status: () => ok(RUNNING) });
    await screen.findByTestId('vm-stop');
    for (const b of screen.getAllByRole('button')) {
      expect(b.getAttribute('aria-label') ?? b.textContent).not.toBe('');
    }
    fireEvent.click(screen.getByRole('button', { name: 'Settings…' }));
    fireEvent.click(screen.getByRole('button', { name: 'More' }));
    fireEvent.click(screen.getByRole('menuitem', { name: 'Logs…' }));
    await flush();
    expect(fake.calls.filter(([m]) => m === 'showWindow').map(([, a]) => a)).toEqual(['settings', 'logs']);
    expect(screen.queryByRole('menu')).toBeNull();
  });

  it('unsubscribes from every push when the window goes', async () => {
    const fake = renderPopover();
    await screen.findByTestId('vm-start');
    expect(fake.listening('onState')).toBe(1);
    fake.view.unmount();
    expect(['onState', 'onProgress', 'onService', 'onAppInfo'].map(fake.listening)).toEqual([0, 0, 0, 0]);
  });
});
