// Bundles the Node/Electron entry points with esbuild:
// - dist/cli/dlite.js      the `dlite` CLI and headless daemon (ESM, Node 20)
// - dist/cli/dlite-helper.js the privileged helper: one self-contained file, its root fixed to `/`
// - dist/main/index.js     Electron main (ESM; electron-store is ESM-only)
// - dist/preload/index.cjs the sandboxed preload: ONE CommonJS file (a sandboxed preload cannot load ESM)
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
};

await Promise.all([
  build({
    ...common,
    entryPoints: { dlite: 'electron/cli/main.ts' },
    outdir: 'dist/cli',
    format: 'esm',
    // Each command's modules load only when it runs: `dlite status` must not pay for execa.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({
    ...common,
    packages: undefined,
    entryPoints: { 'dlite-helper': 'electron/cli/dlite-helper.ts' },
    outdir: 'dist/cli',
    format: 'esm',
    // The only root a production helper can have; the test suite bundles its own with a temporary one.
    define: { __DLITE_HELPER_ROOT__: JSON.stringify('/') },
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({
    ...common,
    entryPoints: { index: 'electron/main/index.ts' },
    outdir: 'dist/main',
    format: 'esm',
    external: ['electron'],
  }),
  build({
    ...common,
    packages: undefined,
    entryPoints: { index: 'electron/preload/index.ts' },
    outdir: 'dist/preload',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    external: ['electron'],
  }),
]);
await chmod('dist/cli/dlite.js', 0o755);
await chmod('dist/cli/dlite-helper.js', 0o755);
