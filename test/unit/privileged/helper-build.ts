import path from 'node:path';

import { build } from 'esbuild';

const ENTRY = path.resolve(import.meta.dirname, '../../../electron/cli/dlite-helper.ts');

/**
 * Bundles `dlite-helper` as build/bundle.mjs does, but with `root` as the fixed root: the only way
 * to point the helper somewhere else, and only the test suite does it.
 */
export async function bundleHelper(outfile: string, root: string): Promise<string> {
  await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    outfile,
    define: { __DLITE_HELPER_ROOT__: JSON.stringify(root) },
    logLevel: 'error',
  });
  return outfile;
}
