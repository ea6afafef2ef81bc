import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';

import { App } from '../../renderer/src/App.js';
import { useAppStore } from '../../renderer/src/store/app-store.js';
import type { DliteApi } from '../../electron/shared/api.js';
import { ok } from '../../electron/shared/errors.js';
import type { ProgressDto, VmStatus } from '../../electron/shared/types.js';
import { STOPPED_STATUS } from '../fixtures/vm-status.js';

const base: VmStatus = STOPPED_STATUS;

function pushApi() {
  let stateListener: ((s: VmStatus) => void) | undefined;
  let progressListener: ((p: ProgressDto) => void) | undefined;
  const calls: string[] = [];
  const api = new Proxy({} as DliteApi, {
    get: (_t, prop: string) => {
      if (prop === 'onState') {
        return (l: (s: VmStatus) => void) => ((stateListener = l), () => (stateListener = undefined));
      }
      if (prop === 'onProgress') {
        return (l: (p: ProgressDto) => void) => ((progressListener = l), () => undefined);
      }
      if (prop.startsWith('on')) return () => () => undefined;
      return () => {
        calls.push(prop);
        return Promise.resolve(ok(base));
      };
    },
  });
  return {
    api,
    calls,
    state: (s: VmStatus) => stateListener?.(s),
    progress: (p: ProgressDto) => progressListener?.(p),
  };
}

afterEach(() => {
  cleanup();
  useAppStore.setState({ status: null, progress: null, lastError: null, pending: false });
});

describe('status popover', () => {
  it('shows pushed state, progress and failure details, and unsubscribes on unmount', async () => {
    const fake = pushApi();
    const view = render(<App api={fake.api} />);
    expect(await screen.findByText('Stopped')).toBeTruthy();
    act(() => fake.state({ ...base, state: 'starting' }));
    act(() =>
      fake.progress({
        operation: 'start',
        step: 'wait-ssh',
        description: 'Waiting for SSH',
        current: 3,
        max: 7,
      }),
    );
    expect(screen.getByTestId('vm-progress').textContent).toBe('Waiting for SSH (3/7)');
    expect(screen.getByTestId<HTMLButtonElement>('vm-toggle').disabled).toBe(true);
    act(() =>
      fake.state({
        ...base,
        state: 'error',
        failure: { step: 'wait-docker', message: 'Docker did not answer', lastConsoleLines: [] },
      }),
    );
    expect(screen.getByTestId('vm-failure').textContent).toBe('wait-docker: Docker did not answer');
    expect(screen.queryByTestId('vm-progress')).toBeNull();
    view.unmount();
    act(() => fake.state({ ...base, state: 'running' }));
    expect(useAppStore.getState().status?.state).toBe('error');
  });

  it('starts the VM from the button', async () => {
    const fake = pushApi();
    render(<App api={fake.api} />);
    fireEvent.click(await screen.findByTestId('vm-toggle'));
    expect(fake.calls).toEqual(['status', 'start']);
  });
});
