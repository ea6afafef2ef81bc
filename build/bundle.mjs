// Bundles the Node/Electron entry points with esbuild:
// - dist/cli/dlite.js      the `dlite` CLI and headless daemon (ESM, Node 20)
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
