import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';

import type { HelperCall } from '../privileged/helper.js';
import { DOCKER_SOCK_LINK } from '../privileged/ops.js';
import { readSystemFile } from '../privileged/system-file.js';
import { EXPORTS_FILE } from './exports.js';
import { dliteMarkers, HOSTS_FILE } from './hosts.js';
import { readManagedBlock } from './managed-block.js';
import { PrivilegeDeclinedError, type PrivilegedRunner } from './runner.js';

async function hasBlock(file: string, uuid: string): Promise<boolean> {
  try {
    return readManagedBlock(await readSystemFile(file), dliteMarkers(uuid)) !== null;
  } catch {
    return false;
  }
}

/**
 * The helper calls that undo this VM's host integration: its hosts and exports blocks, and the
 * docker.sock link when it points at this home. Reads the files under `root`; nothing else.
 */
export async function removalCalls(uuid: string, dockerSocket: string, root = '/'): Promise<HelperCall[]> {
  const calls: HelperCall[] = [];
  if (await hasBlock(path.join(root, HOSTS_FILE), uuid)) calls.push(['hosts-remove', uuid]);
  if (await hasBlock(path.join(root, EXPORTS_FILE), uuid)) calls.push(['exports-remove', uuid]);
  const link = path.join(root, DOCKER_SOCK_LINK);
  const target = await lstat(link).then(
    (s) => (s.isSymbolicLink() ? readlink(link) : null),
    () => null,
  );
  if (target === dockerSocket) calls.push(['docker-sock-unlink', dockerSocket]);
  return calls;
}

/**
 * Removes this VM's blocks and link in one elevation. Resolves the helper's messages, or the
 * one-line reason nothing was removed (declined, failed).
 */
export async function removeHostIntegration(
  uuid: string,
  dockerSocket: string,
  runner: PrivilegedRunner,
  root = '/',
): Promise<{ removed: string[]; problem: string | null }> {
  const calls = await removalCalls(uuid, dockerSocket, root);
  if (calls.length === 0) return { removed: [], problem: null };
  try {
    const lines = await runner.run(calls);
    const failed = lines.find((l) => !l.ok);
    return {
      removed: lines.filter((l) => l.ok).map((l) => l.message),
      problem: failed ? failed.message : null,
    };
  } catch (e) {
    const what = `the "# BEGIN dlite ${uuid}" blocks in ${HOSTS_FILE} and ${EXPORTS_FILE} were left in place`;
    return {
      removed: [],
      problem:
        e instanceof PrivilegeDeclinedError ? `not allowed: ${what}` : `${(e as Error).message}: ${what}`,
    };
  }
}
