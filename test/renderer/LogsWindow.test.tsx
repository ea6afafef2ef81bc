import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { App } from '../../renderer/src/App.js';
import { resetStore } from '../../renderer/src/store/app-store.js';
import { ok } from '../../electron/shared/errors.js';
import type { LogsRequest } from '../../electron/shared/types.js';
import { STOPPED_STATUS } from '../fixtures/vm-status.js';
import { fakeApi } from './fake-api.js';

/** Lets pending answers land. */
const flush = () => act(() => Promise.resolve());

afterEach(() => {
  cleanup();
  resetStore();
});

describe('logs window', () => {
  it('shows the log, follows pushed lines, filters, and switches to the console log', async () => {
    const fake = fakeApi({
      status: () => ok(STOPPED_STATUS),
      logs: (req) =>
        ok(
          (req as LogsRequest).source === 'console'
            ? [{ source: 'console', time: '', text: 'Linux version 6.1' }]
            : [
                { source: 'dlite', time: '2026-01-01T10:00:00.000Z', text: 'info state starting' },
                { source: 'dlite', time: '2026-01-01T10:00:05.000Z', text: 'warn slow disk' },
              ],
        ),
    });
    render(<App api={fake.api} view="logs" />);
    expect(await screen.findByText('info state starting')).toBeTruthy();
    expect(screen.getAllByText('10:00:00')).toHaveLength(1);
    act(() =>
      fake.push('onLog', { source: 'dlite', time: '2026-01-01T10:00:09.000Z', text: 'info state running' }),
    );
    expect(screen.getByText('info state running')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Filter'), { target: { value: 'STATE' } });
    expect(screen.queryByText('warn slow disk')).toBeNull();
    expect(screen.getByText('2 of 3 lines match')).toBeTruthy();
    fireEvent.change(screen.getByTestId('log-source'), { target: { value: 'console' } });
    await flush();
    expect(fake.calls.filter(([m]) => m === 'logs').at(-1)?.[1]).toEqual({ source: 'console', lines: 500 });
    fireEvent.change(screen.getByLabelText('Filter'), { target: { value: '' } });
    expect(screen.getByText('Linux version 6.1')).toBeTruthy();
    expect(screen.getByRole('log', { name: 'VM console log' })).toBeTruthy();
  });
});
