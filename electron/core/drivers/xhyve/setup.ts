import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

import { run } from '../../process/run.js';
import type { RootSetupStep } from '../driver.js';
import { renderXhyveLauncher, XHYVE_LAUNCHER, XHYVE_ROOT_BINARY, XHYVE_SUDOERS } from './launcher.js';

/** Where the root set-up lives (fixed in production; the helper's tests use a temporary root). */
export interface XhyveSetupPaths {
  readonly binary: string;
  readonly launcher: string;
  readonly sudoers: string;
}

export const XHYVE_SETUP_PATHS: XhyveSetupPaths = {
  binary: XHYVE_ROOT_BINARY,
  launcher: XHYVE_LAUNCHER,
  sudoers: XHYVE_SUDOERS,
};

async function sha256(file: string): Promise<string | null> {
  try {
    return createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  } catch {
    return null;
  }
}

async function rootOwned(file: string): Promise<boolean> {
  try {
    const s = await stat(file);
    return s.uid === 0 && (s.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** Whether `sudo -n` lets this user run the launcher without a password. */
async function sudoAllows(launcher: string): Promise<boolean> {
  try {
    await run('sudo', ['-n', '-l', launcher], { timeoutMs: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The root set-up xhyve still needs: none when the root-owned copy matches `source` (or there is no
 * newer source), the root-owned launcher is the current script, and sudo lets `user` run it
 * without a password; otherwise one `xhyve-install <source> <user>` step for the privileged helper.
 * Throws when set-up is needed but there is no xhyve to install.
 */
export async function xhyveRootSetup(
  source: string | null,
  user: string,
  p: XhyveSetupPaths = XHYVE_SETUP_PATHS,
  allowed: (launcher: string) => Promise<boolean> = sudoAllows,
): Promise<RootSetupStep[]> {
  const launcherText = await readFile(p.launcher, 'utf8').catch(() => null);
  const installed =
    launcherText === renderXhyveLauncher(p.binary) &&
    (await rootOwned(p.launcher)) &&
    (await rootOwned(p.binary)) &&
    (source === null || (await sha256(source)) === (await sha256(p.binary))) &&
    (await allowed(p.launcher));
  if (installed) return [];
  if (source === null) {
    throw new Error('xhyve was not found: install it (brew install xhyve) or set xhyve_binary');
  }
  return [
    {
      op: 'xhyve-install',
      args: [source, user],
      files: [p.binary, p.launcher, p.sudoers],
      why: `xhyve needs root for its network (vmnet). Dlite installs a root-owned copy of ${source} and a launcher that takes no file paths, and lets ${user} run only that launcher without a password`,
    },
  ];
}
