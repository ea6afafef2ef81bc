import { createHash } from 'node:crypto';
import { lstat, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { MAX_SOCKET_PATH, type DlitePaths } from '../../paths.js';

/** vfkit's two unix sockets: its REST API and the host end of the Docker port (vsock). */
export interface VfkitSockets {
  readonly rest: string;
  readonly dockerPort: string;
  /** The folder holding them when they could not live in `run/` (created 0700 by {@link ensureSocketDir}). */
  readonly dir: string;
}

/**
 * Where vfkit's sockets go: `run/vfkit.sock` and `run/docker-port.sock` when both stay under
 * {@link MAX_SOCKET_PATH} bytes, else a short per-home folder `<tmpdir>/dlite-<hash>` (macOS `sun_path`
 * is 104 bytes; a deep `DLITE_HOME` would not fit). Pure.
 */
export function vfkitSockets(paths: DlitePaths, tmpdir: string = os.tmpdir()): VfkitSockets {
  const inRun = { rest: path.join(paths.runDir, 'vfkit.sock'), dockerPort: paths.dockerPortSocket };
  const fits = (p: string): boolean => Buffer.byteLength(p) <= MAX_SOCKET_PATH;
  if (fits(inRun.rest) && fits(inRun.dockerPort)) return { ...inRun, dir: paths.runDir };
  const id = createHash('sha256').update(paths.home).digest('hex').slice(0, 12);
  let dir = path.join(tmpdir, `dlite-${id}`);
  if (!fits(path.join(dir, 'docker.sock'))) dir = path.join('/tmp', `dlite-${id}`);
  return { rest: path.join(dir, 'vfkit.sock'), dockerPort: path.join(dir, 'docker.sock'), dir };
}

/**
 * Creates the socket folder 0700 and checks that it is a real directory owned by this user (a
 * folder in a shared tmp could be someone else's or a symlink). Throws a one-line Error otherwise.
 */
export async function ensureSocketDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const s = await lstat(dir);
  const uid = process.getuid?.() ?? s.uid;
  if (!s.isDirectory() || s.uid !== uid || (s.mode & 0o077) !== 0) {
    throw new Error(`${dir} must be a folder of this user with mode 0700 (it holds the VM's sockets)`);
  }
}
