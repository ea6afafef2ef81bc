import { constants } from 'node:fs';
import { chmod, chown, lstat, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { renderXhyveLauncher, renderXhyveSudoers } from '../drivers/xhyve/launcher.js';
import { XHYVE_SETUP_PATHS } from '../drivers/xhyve/setup.js';
import { SystemFileError } from './system-file.js';

/** sudoers syntax check. */
export const VISUDO = '/usr/sbin/visudo';

/** Where the helper works and how it runs its fixed commands (see ops.ts). */
interface Ctx {
  readonly root: string;
  readonly exec: (file: string, args: readonly string[]) => Promise<string>;
}

/** A root-owned folder nobody else may write (the parents of what the helper installs). */
async function ensureRootDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const st = await lstat(dir);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) {
    throw new SystemFileError(`${dir} must be a folder owned by root that only root can write`);
  }
}

/** Writes a root-owned file with `mode` atomically (temp + rename). */
async function installRootFile(
  file: string,
  write: (tmp: string) => Promise<void>,
  mode: number,
): Promise<void> {
  const tmp = `${file}.dlite-${process.pid}`;
  await rm(tmp, { force: true });
  await write(tmp);
  await chown(tmp, 0, 0);
  await chmod(tmp, mode);
  await rename(tmp, file);
}

/** Reads `source` through one descriptor, refusing anything but an executable everyone may read. */
async function readPublicExecutable(source: string): Promise<Buffer> {
  const fh = await open(source, constants.O_RDONLY);
  try {
    const st = await fh.stat();
    // Copying a file everyone may read to a root-owned place discloses nothing.
    if (!st.isFile() || (st.mode & 0o005) !== 0o005 || st.size > 64 * 1024 * 1024) {
      throw new SystemFileError(`${source} must be an executable file everyone may read`);
    }
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/**
 * xhyve's root set-up (docs/MACOS.md): the root-owned copy of `source`, the launcher script and the
 * sudoers rule for `user` (checked with `visudo -c` before it is put in place), under `ctx.root`.
 */
export async function installXhyve(ctx: Ctx, source: string, user: string): Promise<string> {
  const bytes = await readPublicExecutable(source);
  const p = {
    binary: path.join(ctx.root, XHYVE_SETUP_PATHS.binary),
    launcher: path.join(ctx.root, XHYVE_SETUP_PATHS.launcher),
    sudoers: path.join(ctx.root, XHYVE_SETUP_PATHS.sudoers),
  };
  await ensureRootDir(path.dirname(p.binary));
  await ensureRootDir(path.dirname(p.sudoers));
  await installRootFile(p.binary, (tmp) => writeFile(tmp, bytes, { flag: 'wx' }), 0o755);
  const launcher = renderXhyveLauncher(XHYVE_SETUP_PATHS.binary);
  await installRootFile(p.launcher, (tmp) => writeFile(tmp, launcher, { flag: 'wx' }), 0o755);
  await installRootFile(
    p.sudoers,
    async (tmp) => {
      await writeFile(tmp, renderXhyveSudoers(user, XHYVE_SETUP_PATHS.launcher), { flag: 'wx', mode: 0o440 });
      await ctx.exec(path.join(ctx.root, VISUDO), ['-c', '-f', tmp]).catch(async (e: Error) => {
        await rm(tmp, { force: true });
        throw new SystemFileError(`visudo refused the sudoers rule: ${e.message}`);
      });
    },
    0o440,
  );
  return `xhyve installed for ${user}: ${XHYVE_SETUP_PATHS.binary}, ${XHYVE_SETUP_PATHS.launcher}, ${XHYVE_SETUP_PATHS.sudoers}`;
}
