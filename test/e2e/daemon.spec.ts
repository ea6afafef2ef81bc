import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';

import { startBridge } from './helpers/bridge.js';

const repo = path.resolve(import.meta.dirname, '../..');
const renderer = path.join(repo, 'dist/renderer');
const cli = path.join(repo, 'dist/cli/dlite.js');

async function waitForSocket(file: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} did not appear`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The built renderer against a real `dlite daemon` (no VM image installed, so a start fails at a
 * known step): state, failure details and errors travel the real control socket.
 */
test('the popover shows a real daemon’s state and the step a start failed at', async ({ page }) => {
  const home = await mkdtemp('/tmp/dl-e2e-');
  const env = { ...process.env, DLITE_HOME: home, DLITE_OS_IMAGE: path.join(home, 'no-image-here') };
  const daemon: ChildProcess = spawn(process.execPath, [cli, 'daemon', '--foreground'], {
    env,
    stdio: 'ignore',
  });
  let bridge: Awaited<ReturnType<typeof startBridge>> | undefined;
  try {
    await waitForSocket(path.join(home, 'run/control.sock'));
    bridge = await startBridge(renderer, path.join(home, 'run/control.sock'));
    await page.goto(bridge.url);
    await expect(page.getByTestId('vm-state')).toHaveText('Stopped');
    await expect(page.getByTestId('vm-hostname')).toHaveText('local.docker');
    await page.getByTestId('vm-toggle').click();
    await expect(page.getByTestId('vm-state')).toHaveText('Error');
    await expect(page.getByTestId('vm-failure')).toContainText('prepare: No DhyveOS image found');
    await expect(page.getByTestId('api-error')).toContainText('prepare: No DhyveOS image found');
    await expect(page.getByTestId('vm-toggle')).toBeEnabled();
  } finally {
    await bridge?.close();
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    await rm(home, { recursive: true, force: true });
  }
});
