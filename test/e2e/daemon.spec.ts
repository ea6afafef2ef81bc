import { expect, test } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';

import { startBridge } from './helpers/bridge.js';
import { RENDERER, startDaemon } from './helpers/daemon.js';

/**
 * The built renderer against a real `dlite daemon` with no OS image anywhere: Set Up fails at its
 * image step and says why, over the real control socket; the settings window reads the real host.
 */
test('Set Up against a real daemon says why it failed, and settings show the host’s limits', async ({
  page,
}) => {
  const home = await mkdtemp('/tmp/dl-e2e-');
  const daemon = await startDaemon(home, {
    ...process.env,
    DLITE_OS_IMAGE: path.join(home, 'no-image-here'),
  });
  const bridge = await startBridge(RENDERER, daemon.socket);
  try {
    await page.goto(`${bridge.url}#popover`);
    await expect(page.getByTestId('vm-state')).toHaveText('Stopped');
    await expect(page.getByTestId('vm-hostname')).toHaveText('local.docker');
    await page.getByRole('button', { name: 'Set Up Dlite' }).click();
    await expect(page.getByTestId('api-error')).toContainText('No DhyveOS image found');
    await expect(page.getByRole('button', { name: 'Set Up Dlite' })).toBeEnabled();

    await page.goto(`${bridge.url}#settings`);
    await page.getByTestId('page-resources').click();
    const cores = (await import('node:os')).cpus().length;
    await expect(page.getByText(`This machine has ${cores} core`)).toBeVisible();
    await expect(page.getByText(/xhyve runs only on Intel Macs, not on this machine/)).toBeVisible();
    await page.getByLabel('CPUs', { exact: true }).fill(String(cores + 1));
    await expect(page.getByTestId('setting-cpu_count-error')).toContainText(`use 1 to ${cores}`);
    await expect(page.getByTestId('apply')).toBeDisabled();
    await page.getByTestId('page-general').click();
    await expect(page.getByText('App preferences are available in the Dlite menu-bar app.')).toBeVisible();
  } finally {
    await bridge.close();
    await daemon.stop();
    await rm(home, { recursive: true, force: true });
  }
});
