import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { App } from '../../renderer/src/App.js';
import { resetStore } from '../../renderer/src/store/app-store.js';
import { err, ok } from '../../electron/shared/errors.js';
import type { FieldProblem, HostInfo, Settings, SettingsKey } from '../../electron/shared/types.js';
import { STOPPED_STATUS } from '../fixtures/vm-status.js';
import { fakeApi } from './fake-api.js';
import { HOST, SETTINGS } from './fixtures.js';

const flush = () => act(() => Promise.resolve());
/** Past the form's check delay, with the answer landed. */
const settle = async () => {
  await act(() => new Promise((r) => setTimeout(r, 200)));
  await flush();
};

afterEach(() => {
  cleanup();
  resetStore();
});

/** The core's rules for the keys of these pages, in miniature. */
const LIVE = new Set<SettingsKey>([
  'idle_stop_minutes',
  'privileged_changes',
  'auto_restart',
  'restart_to_free_memory',
]);
function check(patch: Partial<Settings>) {
  const errors: FieldProblem[] = [];
  const idle = patch.idle_stop_minutes as unknown;
  if (idle !== undefined && !(Number.isInteger(idle) && (idle as number) >= 0 && (idle as number) <= 1440)) {
    errors.push({
      field: 'idle_stop_minutes',
      message: `idle_stop_minutes: must be a whole number of minutes between 0 (never) and 1440, got ${JSON.stringify(idle)}`,
    });
  }
  if (patch.vfkit_binary !== undefined && patch.vfkit_binary !== '' && !patch.vfkit_binary.startsWith('/')) {
    errors.push({
      field: 'vfkit_binary',
      message: "vfkit_binary: must be '' (look it up) or the absolute path",
    });
  }
  const keys = Object.keys(patch) as SettingsKey[];
  return {
    errors,
    restartRequired: errors.length ? [] : keys.filter((k) => !LIVE.has(k)),
    live: errors.length ? [] : keys.filter((k) => LIVE.has(k)),
  };
}

function renderSettings(opts: { host?: HostInfo; running?: boolean } = {}) {
  let saved: Settings = SETTINGS;
  const fake = fakeApi({
    status: () => ok({ ...STOPPED_STATUS, state: opts.running ? 'running' : 'stopped' }),
    getSettings: () => ok(saved),
    hostInfo: () => ok(opts.host ?? HOST),
    getAppInfo: () => err('not-supported', 'no app'),
    checkSettings: (patch) => ok(check(patch as Partial<Settings>)),
    updateSettings: (patch) => {
      saved = { ...saved, ...(patch as Partial<Settings>) };
      const c = check(patch as Partial<Settings>);
      return ok({ settings: saved, restartRequired: c.restartRequired, appliedLive: c.live });
    },
    reclaimDisk: () =>
      ok({ trimmedBytes: 2 ** 30, allocatedBeforeBytes: 3 * 2 ** 30, allocatedAfterBytes: 2 ** 31 }),
  });
  render(<App api={fake.api} view="settings" />);
  return fake;
}

const lastPatch = (fake: ReturnType<typeof fakeApi>) =>
  fake.calls.filter(([m]) => m === 'updateSettings').at(-1)?.[1];

describe('settings: Advanced', () => {
  it('edits the idle sleep in minutes: explains it, refuses what the core refuses, applies live', async () => {
    const fake = renderSettings({ running: true });
    fireEvent.click(await screen.findByTestId('page-advanced'));
    const field = screen.getByLabelText<HTMLInputElement>('Sleep after');
    expect(field.value).toBe('10');
    expect(
      screen.getByText(/the VM sleeps: it is saved to disk and gives its CPU and memory back/),
    ).toBeTruthy();
    fireEvent.change(field, { target: { value: 'soon' } });
    await settle();
    expect(screen.getByTestId('setting-idle_stop_minutes-error').textContent).toBe(
      'Must be a whole number of minutes between 0 (never) and 1440, got "soon"',
    );
    expect(screen.getByTestId<HTMLButtonElement>('apply').disabled).toBe(true);
    fireEvent.change(field, { target: { value: '0' } });
    await settle();
    expect(screen.getByTestId('apply-status').textContent).toBe(
      'Applies live, no restart needed: Sleep when idle.',
    );
    fireEvent.click(screen.getByTestId('apply'));
    await flush();
    expect(lastPatch(fake)).toEqual({ idle_stop_minutes: 0 });
  });

  it('offers the restart that frees memory, off by default, explained, applied live', async () => {
    const fake = renderSettings({ running: true });
    fireEvent.click(await screen.findByTestId('page-advanced'));
    await flush();
    const box = screen.getByLabelText<HTMLInputElement>('Restart the idle VM to free memory');
    expect(box.checked).toBe(false);
    expect(
      screen.getByText(/xhyve and vfkit never give freed memory back to this Mac; with this on, an idle VM/),
    ).toBeTruthy();
    fireEvent.click(box);
    await settle();
    expect(screen.getByTestId('apply-status').textContent).toBe(
      'Applies live, no restart needed: Restart to free memory.',
    );
    fireEvent.click(screen.getByTestId('apply'));
    await flush();
    expect(lastPatch(fake)).toEqual({ restart_to_free_memory: true });
  });

  it('reclaims disk space while running and says what came back; not while stopped', async () => {
    const fake = renderSettings({ running: true });
    fireEvent.click(await screen.findByTestId('page-advanced'));
    await flush();
    fireEvent.click(screen.getByTestId('reclaim-disk'));
    await flush();
    expect(fake.names()).toContain('reclaimDisk');
    expect(screen.getByTestId('reclaim-result').textContent).toBe(
      'Gave 1.0 GiB back to this Mac; the VM’s disk now takes 2.0 GiB.',
    );
    cleanup();
    resetStore();
    renderSettings();
    fireEvent.click(await screen.findByTestId('page-advanced'));
    await flush();
    expect(screen.getByTestId<HTMLButtonElement>('reclaim-disk').disabled).toBe(true);
    expect(screen.getByText(/The VM must be running\./)).toBeTruthy();
  });

  it('offers the hypervisor programs on macOS only, xhyve only on Intel Macs', async () => {
    const fake = renderSettings();
    fireEvent.click(await screen.findByTestId('page-advanced'));
    await flush();
    expect(screen.getByLabelText('vfkit')).toBeTruthy();
    expect(screen.queryByLabelText('xhyve')).toBeNull();
    fireEvent.change(screen.getByLabelText('vfkit'), { target: { value: 'vfkit' } });
    await settle();
    expect(screen.getByTestId('setting-vfkit_binary-error').textContent).toBe(
      "Must be '' (look it up) or the absolute path",
    );
    fireEvent.change(screen.getByLabelText('vfkit'), { target: { value: '/opt/vfkit/bin/vfkit' } });
    await settle();
    expect(screen.getByTestId('setting-vfkit_binary-restart')).toBeTruthy();
    fireEvent.click(screen.getByTestId('apply'));
    await flush();
    expect(lastPatch(fake)).toEqual({ vfkit_binary: '/opt/vfkit/bin/vfkit' });
    cleanup();
    resetStore();
    renderSettings({ host: { ...HOST, arch: 'x64' } });
    fireEvent.click(await screen.findByTestId('page-advanced'));
    await flush();
    expect(screen.getByLabelText('xhyve')).toBeTruthy();
    cleanup();
    resetStore();
    renderSettings({ host: { ...HOST, platform: 'linux', arch: 'x64' } });
    fireEvent.click(await screen.findByTestId('page-advanced'));
    await flush();
    expect(screen.queryByLabelText('vfkit')).toBeNull();
    expect(screen.queryByText('Hypervisor Programs')).toBeNull();
  });
});

describe('settings: Sharing → System Files', () => {
  it('links /var/run/docker.sock (off by default, restart) and chooses whether to ask', async () => {
    const fake = renderSettings();
    fireEvent.click(await screen.findByTestId('page-sharing'));
    await flush();
    const link = screen.getByLabelText<HTMLInputElement>('Link /var/run/docker.sock to Dlite');
    expect(link.checked).toBe(false);
    expect(
      screen.getByText(/\/var\/run\/docker\.sock then leads to \/Users\/me\/\.dlite\/run\/docker\.sock/),
    ).toBeTruthy();
    fireEvent.click(link);
    fireEvent.click(screen.getByRole('radio', { name: /^Never/ }));
    await settle();
    expect(screen.getByTestId('apply-status').textContent).toBe(
      'Applies live, no restart needed: System file changes. Used from the next start: Link /var/run/docker.sock.',
    );
    fireEvent.click(screen.getByTestId('apply'));
    await flush();
    expect(lastPatch(fake)).toEqual({ docker_socket_link: true, privileged_changes: 'never' });
  });
});
