import { defineConfig } from '@playwright/test';

import base from '../../../playwright.config.js';

/** `npm run screenshots`: the popover and settings scenes at 2×, light and dark, into docs/images. */
export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: '*.shots.ts',
  outputDir: '../../../test-results/screenshots-artifacts',
  reporter: [['list']],
});
