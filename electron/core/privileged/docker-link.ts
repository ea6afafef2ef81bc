import { lstat, mkdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';

import { SystemFileError } from './system-file.js';

/** The link tools that ignore Docker contexts look at. */
export const DOCKER_SOCK_LINK = '/var/run/docker.sock';

/** What is at the link path: nothing, its target, or something else (a socket, a file). */
async function linkState(file: string): Promise<'absent' | 'other' | { target: string }> {
  try {
    const st = await lstat(file);
    return st.isSymbolicLink() ? { target: await readlink(file) } : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
}

async function dangling(link: string): Promise<boolean> {
  try {
    await stat(link);
    return false;
  } catch {
    return true;
  }
}

/**
 * Points `link` at `target` (atomically: a new link renamed over). Replaces only nothing, a
 * dangling link, or our own link; a socket, file or live link of another program is left alone.
 */
export async function linkDockerSocket(link: string, target: string): Promise<string> {
  const state = await linkState(link);
  if (typeof state === 'object' && state.target === target) return `${DOCKER_SOCK_LINK}: already → ${target}`;
  if (state === 'other' || (typeof state === 'object' && !(await dangling(link)))) {
    const what = state === 'other' ? 'is a socket or file of another program' : `links to ${state.target}`;
    throw new SystemFileError(`${DOCKER_SOCK_LINK} ${what}; Dlite leaves it alone`);
  }
  await mkdir(path.dirname(link), { recursive: true, mode: 0o755 });
  const tmp = `${link}.dlite-${process.pid}`;
  await rm(tmp, { force: true });
  await symlink(target, tmp);
  await rename(tmp, link);
  return `${DOCKER_SOCK_LINK} → ${target}`;
}

/** Removes `link` only when it points at `target`. */
export async function unlinkDockerSocket(link: string, target: string): Promise<string> {
  const state = await linkState(link);
  if (typeof state !== 'object' || state.target !== target) {
    return `${DOCKER_SOCK_LINK}: not ours, left alone`;
  }
  await rm(link);
  return `${DOCKER_SOCK_LINK}: removed`;
}
