import path from 'node:path';

import type { DliteCommand } from './terminal/terminal-command.js';

/** Where this installation keeps its parts. */
export interface InstallLayout {
  readonly rendererFile: string;
  readonly preloadPath: string;
  /** The tray PNGs. */
  readonly iconDir: string;
  /** How to run the bundled `dlite` (the app's own binary as Node, with the CLI script). */
  readonly dlite: DliteCommand;
  /** The `dlite` wrapper to link onto the PATH (packaged app only). */
  readonly cliPath: string | null;
}

/**
 * Resolves the layout (pure). `here` is the folder of the built main (`dist/main`). In a packaged
 * app the tray icons, the `bin/dlite` wrapper and the DhyveOS image are extra resources next to
 * `app/` (see build/electron-builder.yml); in a checkout they are in `resources/` and
 * `build/os/out/`. The CLI always runs under the app's own binary with `ELECTRON_RUN_AS_NODE=1`,
 * so no separate Node is needed; a packaged app tells it where its OS image is.
 */
export function installLayout(opts: {
  here: string;
  packaged: boolean;
  resourcesPath: string;
  execPath: string;
  arch: string;
}): InstallLayout {
  const dist = path.resolve(opts.here, '..');
  const root = path.resolve(dist, '..');
  const guestArch = opts.arch === 'arm64' ? 'arm64' : 'amd64';
  return {
    rendererFile: path.join(dist, 'renderer', 'index.html'),
    preloadPath: path.join(dist, 'preload', 'index.cjs'),
    iconDir: opts.packaged ? path.join(opts.resourcesPath, 'tray') : path.join(root, 'resources', 'tray'),
    dlite: {
      command: opts.execPath,
      args: [path.join(dist, 'cli', 'dlite.js')],
      env: {
        ELECTRON_RUN_AS_NODE: '1',
        ...(opts.packaged ? { DLITE_OS_IMAGE: path.join(opts.resourcesPath, 'os', guestArch) } : {}),
      },
    },
    cliPath: opts.packaged ? path.join(opts.resourcesPath, 'bin', 'dlite') : null,
  };
}
