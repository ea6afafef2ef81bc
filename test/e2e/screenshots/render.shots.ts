import { test, type Page } from '@playwright/test';
import path from 'node:path';

import { startBridge } from '../helpers/bridge.js';
import { installScriptedApi, type Scene } from '../helpers/scripted-api.js';
import { POPOVER_SCENES, SETTINGS_SCENE } from './scenes.js';

const renderer = path.resolve(import.meta.dirname, '../../../dist/renderer');
const OUT = path.resolve(import.meta.dirname, '../../../docs/images');

/** The built renderer, served as files (no daemon: each scene is scripted). */
async function open(page: Page, scene: Scene, view: string): Promise<() => Promise<void>> {
  const bridge = await startBridge(renderer, '/nonexistent.sock');
  await installScriptedApi(page, scene);
  await page.goto(`${bridge.url}#${view}`);
  return () => bridge.close();
}

for (const scheme of ['light', 'dark'] as const) {
  test.describe(`${scheme}`, () => {
    test.use({ colorScheme: scheme, deviceScaleFactor: 2 });

    for (const [name, scene] of Object.entries(POPOVER_SCENES)) {
      test(`popover ${name}`, async ({ page }) => {
        await page.setViewportSize({ width: 360, height: 440 });
        const close = await open(page, scene, 'popover');
        try {
          await page.getByTestId('vm-state').waitFor();
          if (name === 'error') await page.getByText(/Console output/).click();
          if (name === 'starting') await page.getByTestId('vm-step').waitFor();
          await page.screenshot({
            path: path.join(OUT, `popover-${name}-${scheme}.png`),
            animations: 'disabled',
          });
        } finally {
          await close();
        }
      });
    }

    test('settings', async ({ page }) => {
      await page.setViewportSize({ width: 640, height: 480 });
      const close = await open(page, SETTINGS_SCENE, 'settings');
      try {
        await page.getByTestId('page-engine').click();
        await page.getByTestId('mirror-new').fill('ftp://old-mirror');
        await page.getByTestId('mirror-add').click();
        await page.getByTestId('mirror-2-error').waitFor();
        await page.mouse.move(0, 0);
        await page.screenshot({
          path: path.join(OUT, `settings-engine-${scheme}.png`),
          animations: 'disabled',
        });
        await page.getByTestId('page-resources').click();
        await page.getByTestId('revert').click();
        await page.getByLabel('Memory', { exact: true }).fill('8');
        await page.getByTestId('apply-restart').waitFor();
        await page.mouse.move(0, 0);
        await page.screenshot({
          path: path.join(OUT, `settings-resources-${scheme}.png`),
          animations: 'disabled',
        });
        // The Advanced page, taller (the window is resizable), after a disk reclaim.
        await page.getByTestId('revert').click();
        await page.getByTestId('page-advanced').click();
        await page.setViewportSize({ width: 640, height: 640 });
        await page.getByTestId('reclaim-disk').click();
        await page.getByTestId('reclaim-result').filter({ hasText: 'Gave' }).waitFor();
        await page.mouse.move(0, 0);
        await page.screenshot({
          path: path.join(OUT, `settings-advanced-${scheme}.png`),
          animations: 'disabled',
        });
      } finally {
        await close();
      }
    });
  });
}
