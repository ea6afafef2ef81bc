import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { App } from '../../renderer/src/App.js';
import { resetStore } from '../../renderer/src/store/app-store.js';
import type { AppInfo } from '../../electron/shared/app-types.js';
import { err, ok } from '../../electron/shared/errors.js';
import type { FieldProblem, Settings, SettingsKey, VmStatus } from '../../electron/shared/types.js';
import { STOPPED_STATUS } from '../fixtures/vm-status.js';
import { fakeApi } from './fake-api.js';
import { HOST, SETTINGS } from './fixtures.js';

/** Lets pending answers land. */
const flush = () => act(() => Promise.resolve());

afterEach(() => {
  cleanup();
  resetStore();
});

const APP: AppInfo = {
  prefs: { launchAtLogin: false, terminal: 'auto', quitAction: 'ask' },
  version: '0.1.0',
  terminals: ['auto', 'terminal', 'iterm2'],
  launchAtLoginSupported: true,
  cliPath: '/Applications/Dlite.app/Contents/Resources/bin/dlite',
};

/** The core's rules, in miniature: mirrors must be http(s) URLs and unique; memory at most 15. */
function check(patch: Partial<Settings>): {
  errors: FieldProblem[];
  restartRequired: SettingsKey[];
  live: SettingsKey[];
} {
  const errors: FieldProblem[] = [];
  (patch.registry_mirrors ?? []).forEach((m, index, all) => {
    if (!/^https?:\/\//.test(m)) {
      errors.push({
        field: 'registry_mirrors',
        index,
        message: `registry_mirrors: ${JSON.stringify(m)} must be an http:// or https:// URL`,
      });
    } else if (all.indexOf(m) !== index) {
      errors.push({
        field: 'registry_mirrors',
        index,
        message: `registry_mirrors: ${JSON.stringify(m)} is listed twice`,
      });
    }
  });
  if (patch.memory !== undefined && !(Number.isInteger(patch.memory) && patch.memory <= 15)) {
    errors.push({ field: 'memory', message: 'memory: must be an integer number of GiB between 1 and 15' });
  }
  const keys = Object.keys(patch) as SettingsKey[];
  return {
    errors,
    restartRequired: errors.length ? [] : keys.filter((k) => k !== 'registry_mirrors'),
    live: errors.length ? [] : keys.filter((k) => k === 'registry_mirrors'),
  };
}

function renderSettings(status: VmStatus = { ...STOPPED_STATUS, state: 'running' }) {
  let saved = SETTINGS;
  const fake = fakeApi({
    status: () => ok(status),
    getSettings: () => ok(saved),
    hostInfo: () => ok(HOST),
    getAppInfo: () => ok(APP),
    setAppPrefs: (p) => ok({ ...APP, prefs: { ...APP.prefs, ...(p as object) } }),
    checkSettings: (p) => ok(check(p as Partial<Settings>)),
    updateSettings: (p) => {
      const c = check(p as Partial<Settings>);
      if (c.errors.length) return err('invalid-settings', c.errors[0]!.message, { errors: c.errors });
      saved = { ...saved, ...(p as Partial<Settings>) };
      return ok({ settings: saved, restartRequired: c.restartRequired, appliedLive: c.live });
    },
    restart: () => ok(status),
    checkForUpdate: () => ok({ currentVersion: '0.1.0', latestVersion: '0.2.0', available: true }),
  });
  render(<App api={fake.api} view="settings" />);
  return fake;
}

/** Lets the debounced check run and its answer land. */
const settle = () => act(() => new Promise((r) => setTimeout(r, 200)));
const apply = () => screen.getByTestId<HTMLButtonElement>('apply');

describe('settings window', () => {
  it('shows the host’s limits and why a hypervisor is unavailable', async () => {
    renderSettings();
    fireEvent.click(await screen.findByTestId('page-resources'));
    expect(screen.getByText('This Mac has 8 cores.')).toBeTruthy();
    expect(screen.getByText('The disk is 20 GiB now; it can grow but not shrink.')).toBeTruthy();
    expect(screen.getByText(/xhyve runs only on Intel Macs/)).toBeTruthy();
    expect(screen.getByRole<HTMLInputElement>('radio', { name: /xhyve/ }).disabled).toBe(true);
    expect(screen.getByRole<HTMLInputElement>('radio', { name: /Automatic/ }).checked).toBe(true);
    expect(screen.getByLabelText('CPUs')).toBeTruthy();
  });

  it('shows an invalid value’s message under the field and keeps Apply disabled', async () => {
    renderSettings();
    fireEvent.click(await screen.findByTestId('page-resources'));
    const memory = screen.getByLabelText('Memory');
    fireEvent.change(memory, { target: { value: '99' } });
    await settle();
    expect(screen.getByTestId('setting-memory-error').textContent).toBe(
      'Must be an integer number of GiB between 1 and 15',
    );
    expect(memory.getAttribute('aria-invalid')).toBe('true');
    expect(memory.getAttribute('aria-describedby')).toContain('setting-memory-error');
    expect(apply().disabled).toBe(true);
    expect(screen.getByTestId('apply-status').textContent).toBe('Fix the marked fields to apply.');
  });

  it('edits the mirror list: add, inline errors per row, fix, reorder, remove; Apply follows validity', async () => {
    const fake = renderSettings();
    fireEvent.click(await screen.findByTestId('page-engine'));
    const add = (url: string) => {
      fireEvent.change(screen.getByTestId('mirror-new'), { target: { value: url } });
      fireEvent.click(screen.getByTestId('mirror-add'));
    };
    add('https://a.example');
    add('ftp://b.example');
    await settle();
    expect(screen.getByTestId('mirror-1-error').textContent).toBe(
      '"ftp://b.example" must be an http:// or https:// URL',
    );
    expect(screen.queryByTestId('mirror-0-error')).toBeNull();
    expect(apply().disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Mirror 2'), { target: { value: 'https://b.example' } });
    await settle();
    expect(screen.queryByTestId('mirror-1-error')).toBeNull();
    expect(apply().disabled).toBe(false);
    expect(screen.getByTestId('apply-status').textContent).toBe(
      'Applies live, no restart needed: Registry mirrors.',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Move mirror 2 up' }));
    await settle();
    expect(fake.calls.filter(([m]) => m === 'checkSettings').at(-1)?.[1]).toEqual({
      registry_mirrors: ['https://b.example', 'https://a.example'],
    });
    add('https://b.example');
    await settle();
    expect(screen.getByTestId('mirror-2-error').textContent).toBe('"https://b.example" is listed twice');
    fireEvent.click(screen.getByRole('button', { name: 'Remove mirror 3' }));
    await settle();
    expect(apply().disabled).toBe(false);
    fireEvent.click(apply());
    await settle();
    expect(fake.calls.find(([m]) => m === 'updateSettings')?.[1]).toEqual({
      registry_mirrors: ['https://b.example', 'https://a.example'],
    });
    expect(screen.getByTestId('apply-status').textContent).toBe(
      'Applied to the running VM, no restart needed: Registry mirrors.',
    );
    expect(screen.getByTestId('mirrors-applied')).toBeTruthy();
    expect(fake.names()).not.toContain('restart');
  });

  it('says a change needs a restart and offers Apply and Restart', async () => {
    const fake = renderSettings();
    fireEvent.click(await screen.findByTestId('page-resources'));
    fireEvent.change(screen.getByLabelText('Memory'), { target: { value: '4' } });
    await settle();
    expect(screen.getByTestId('setting-memory-restart').textContent).toBe('restart');
    expect(screen.getByTestId('apply-status').textContent).toBe('Restart needed for Memory.');
    fireEvent.click(screen.getByTestId('apply-restart'));
    await settle();
    expect(fake.names().filter((n) => n === 'updateSettings' || n === 'restart')).toEqual([
      'updateSettings',
      'restart',
    ]);
    expect(fake.calls.find(([m]) => m === 'updateSettings')?.[1]).toEqual({ memory: 4 });
  });

  it('with the VM stopped, applies without offering a restart', async () => {
    renderSettings(STOPPED_STATUS);
    fireEvent.click(await screen.findByTestId('page-resources'));
    fireEvent.change(screen.getByLabelText('CPUs'), { target: { value: '4' } });
    await settle();
    expect(screen.queryByTestId('apply-restart')).toBeNull();
    expect(screen.getByTestId('apply-status').textContent).toBe('Used from the next start: CPUs.');
  });

  it('sets app preferences and checks for updates from the General page', async () => {
    const fake = renderSettings();
    fireEvent.click(await screen.findByLabelText('Launch Dlite at login'));
    await flush();
    expect(fake.calls.find(([m]) => m === 'setAppPrefs')?.[1]).toEqual({ launchAtLogin: true });
    expect(screen.getByLabelText<HTMLInputElement>('Launch Dlite at login').checked).toBe(true);
    fireEvent.change(screen.getByLabelText('Terminal app'), { target: { value: 'iterm2' } });
    await flush();
    expect(fake.calls.filter(([m]) => m === 'setAppPrefs').at(-1)?.[1]).toEqual({ terminal: 'iterm2' });
    fireEvent.click(screen.getByRole('radio', { name: 'Leave the VM running' }));
    await flush();
    expect(fake.calls.filter(([m]) => m === 'setAppPrefs').at(-1)?.[1]).toEqual({
      quitAction: 'leave-running',
    });
    fireEvent.click(screen.getByRole('button', { name: 'Check for Updates' }));
    await flush();
    expect(screen.getByTestId('update-status').textContent).toBe(
      'DhyveOS 0.2.0 is available (you have 0.1.0).',
    );
    expect(within(screen.getByRole('main')).getByText(/sudo ln -sf/)).toBeTruthy();
  });

  it('picks the shared folder through the API and warns about Docker on TCP', async () => {
    const fake = renderSettings();
    fake.calls.length = 0;
    fireEvent.click(await screen.findByTestId('page-sharing'));
    fireEvent.click(screen.getByRole('button', { name: 'Choose…' }));
    await flush();
    expect(fake.calls.find(([m]) => m === 'pickFolder')?.[1]).toEqual({
      title: 'Folder to share with the VM',
      defaultPath: '/Users',
    });
    fireEvent.click(screen.getByTestId('page-engine'));
    fireEvent.click(screen.getByLabelText('Expose Docker on TCP port 2375'));
    expect(
      screen.getByText(
        /Warning: docker_tcp opens the Docker API on TCP port 2375 without authentication.*any local user/,
      ),
    ).toBeTruthy();
  });
});
