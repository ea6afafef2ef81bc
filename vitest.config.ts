import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

/**
 * Three projects: `node` (core, shared, cli, main logic), `dom` (renderer) and
 * `vm` (boots the real guest under QEMU; two files at a time: an x86 guest runs on
 * one TCG thread, so two of them share the machine's two cores).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        plugins: [react()],
        test: {
          name: 'dom',
          environment: 'jsdom',
          include: ['test/renderer/**/*.test.{ts,tsx}'],
        },
      },
      {
        test: {
          name: 'vm',
          environment: 'node',
          include: ['test/vm/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { concurrent: false },
        },
      },
    ],
  },
});
