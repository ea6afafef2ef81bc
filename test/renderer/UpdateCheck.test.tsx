import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { App } from '../../renderer/src/App.js';
import { updateStatusText } from '../../renderer/src/settings/UpdateCheck.js';
import { resetStore } from '../../renderer/src/store/app-store.js';
import { err, ok, type Result } from '../../electron/shared/errors.js';
import type { UpdateInfo, UpdateResult } from '../../electron/shared/types.js';
import { STOPPED_STATUS } from '../fixtures/vm-status.js';
import { fakeApi } from './fake-api.js';
import { HOST, SETTINGS } from './fixtures.js';

/** Lets pending answers (and the answers they wait on) land. */
const flush = () => act(() => new Promise((r) => setTimeout(r, 0)));
afterEach(() => {
  cleanup();
  resetStore();
});

const info = (current: string, previous: string | null, latest = '0.2.0'): UpdateInfo => ({
  currentVersion: current,
  previousVersion: previous,
  runningVersion: null,
  latestVersion: latest,
  available: current !== latest,
  channelUrl: 'http://127.0.0.1:9/index.json',
  skipped: [],
});

describe('settings: DhyveOS updates', () => {
  it('checks, installs with the download’s progress, then offers the rollback, and rolls back', async () => {
    let installed = info('0.1.0', null);
    let finish: (r: Result<UpdateResult>) => void = () => undefined;
    const fake = fakeApi({
      status: () => ok(STOPPED_STATUS),
      getSettings: () => ok(SETTINGS),
      hostInfo: () => ok(HOST),
      getAppInfo: () => err('not-supported', 'no app'),
      checkForUpdate: () => ok(installed),
      applyUpdate: () => new Promise((r) => (finish = r)),
      rollbackUpdate: () => {
        installed = info('0.1.0', '0.2.0');
        return ok({ version: '0.1.0', previousVersion: '0.2.0', status: 'switched', restartPending: null });
      },
    });
    render(<App api={fake.api} view="settings" />);
    await flush();
    fireEvent.click(await screen.findByTestId('update-check'));
    await flush();
    expect(screen.getByTestId('update-status').textContent).toBe(
      'DhyveOS 0.2.0 is available (you have 0.1.0).',
    );
    expect(screen.queryByTestId('update-rollback')).toBeNull();
    fireEvent.click(screen.getByTestId('update-install'));
    act(() =>
      fake.push('onProgress', {
        operation: 'update',
        step: 'download',
        description: 'Downloading DhyveOS 0.2.0',
        current: 1,
        max: 3,
        transfer: {
          file: 'rootfs.cpio.zst',
          bytes: 12 * 2 ** 20,
          totalBytes: 48 * 2 ** 20,
          bytesPerSecond: 4 * 2 ** 20,
          etaSeconds: 9,
        },
      }),
    );
    expect(screen.getByTestId('update-status').textContent).toBe(
      'Downloading DhyveOS 0.2.0: 12.0 MiB of 48.0 MiB (25%), 4.0 MiB/s, 9 s left',
    );
    expect(screen.getByTestId<HTMLButtonElement>('update-check').disabled).toBe(true);
    installed = info('0.2.0', '0.1.0');
    await act(() => {
      finish(ok({ version: '0.2.0', previousVersion: '0.1.0', status: 'installed', restartPending: null }));
      return Promise.resolve();
    });
    await flush();
    expect(screen.getByTestId('update-status').textContent).toBe(
      'Installed DhyveOS 0.2.0. The next start uses it.',
    );
    expect(screen.queryByTestId('update-install')).toBeNull();
    fireEvent.click(screen.getByTestId('update-rollback'));
    await flush();
    expect(screen.getByTestId('update-status').textContent).toBe(
      'Rolled back to DhyveOS 0.1.0. The next start uses it.',
    );
    expect(screen.getByTestId('update-install').textContent).toBe('Install 0.2.0');
  });

  it('shows a failure as an error, and what a check found', () => {
    expect(updateStatusText({ message: 'download failed', failed: true })).toBe('download failed');
    expect(updateStatusText({ info: info('0.2.0', '0.1.0') })).toBe('DhyveOS 0.2.0 is up to date.');
    expect(
      updateStatusText({ info: { ...info('0.2.0', null), skipped: ['0.3.0 needs Dlite 0.2.0 or newer'] } }),
    ).toBe('DhyveOS 0.2.0 is up to date; 0.3.0 needs Dlite 0.2.0 or newer.');
    expect(updateStatusText({ busy: true })).toBe('Checking…');
  });
});
