import { lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';

import type { DlitePaths } from '../../paths.js';

/** vfkit's two unix sockets: its REST API and the host end of the Docker port (vsock). */
export interface VfkitSockets {
  readonly rest: string;
  readonly dockerPort: string;
  /** The folder holding them (created 0700 by {@link ensureSocketDir}). */
  readonly dir: string;
}

/**
 * Where vfkit's sockets go: `run/vfkit.sock` and `run/docker-port.sock`. The run folder is always
 * short enough for unix sockets (macOS `sun_path` is 104 bytes): a deep home gets a short per-user
 * run folder from {@link pathsForHome}, the one place that is decided. Pure.
 */
export function vfkitSockets(paths: DlitePaths): VfkitSockets {
  return {
    rest: path.join(paths.runDir, 'vfkit.sock'),
    dockerPort: paths.dockerPortSocket,
    dir: paths.runDir,
  };
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
