import { expect, test } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { startControlServer } from '../../electron/core/control/server.js';
import type { DliteApi } from '../../electron/shared/api.js';
import { ok } from '../../electron/shared/errors.js';
import type { ProgressDto, VmStatus } from '../../electron/shared/types.js';
import { startBridge } from './helpers/bridge.js';
import { STOPPED_STATUS } from '../fixtures/vm-status.js';

const renderer = path.resolve(import.meta.dirname, '../../dist/renderer');

const stopped: VmStatus = STOPPED_STATUS;

/** An in-memory control API: this spec checks the built renderer and the socket transport, not the VM. */
function scriptedApi(): DliteApi {
  const states = new Set<(s: VmStatus) => void>();
  const progress = new Set<(p: ProgressDto) => void>();
  let status = stopped;
  return new Proxy({} as DliteApi, {
    get: (_t, prop: string) => {
      if (prop === 'onState') return (l: (s: VmStatus) => void) => (states.add(l), () => states.delete(l));
      if (prop === 'onProgress') {
        return (l: (p: ProgressDto) => void) => (progress.add(l), () => progress.delete(l));
      }
      if (prop.startsWith('on')) return () => () => undefined;
      if (prop === 'hostInfo') {
        return () => Promise.resolve(ok({ installed: true, diskGiB: 20, autoHypervisor: 'qemu' }));
      }
      if (prop === 'start') {
        return async () => {
          status = { ...stopped, state: 'starting' };
          states.forEach((l) => l(status));
          progress.forEach((l) =>
            l({ operation: 'start', step: 'boot', description: 'Booting the VM', current: 1, max: 5 }),
          );
          await new Promise((r) => setTimeout(r, 500));
          status = {
            ...stopped,
            state: 'running',
            ip: '127.0.0.1',
            dockerEndpoint: 'unix:///tmp/d.sock',
            uptimeSeconds: 0,
          };
          states.forEach((l) => l(status));
          return ok(status);
        };
      }
      return () => Promise.resolve(ok(status));
    },
  });
}

test('the built popover follows pushed VM state over the control socket', async ({ page }) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-e2e-'));
  const server = await startControlServer(scriptedApi(), path.join(dir, 'control.sock'));
  const bridge = await startBridge(renderer, server.socketPath);
  try {
    await page.goto(bridge.url);
    await expect(page.getByTestId('vm-state')).toHaveText('Stopped');
    await page.getByTestId('vm-start').click();
    await expect(page.getByTestId('vm-step')).toHaveText('Booting the VM…');
    await expect(page.getByTestId('vm-progress')).toHaveText('Step 1 of 5');
    await expect(page.getByTestId('vm-state')).toHaveText('Running');
    await expect(page.getByTestId('vm-endpoint')).toHaveText('unix:///tmp/d.sock');
    await expect(page.getByTestId('vm-stop')).toBeEnabled();
  } finally {
    await bridge.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
