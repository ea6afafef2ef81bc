// An SSH stream-local forward of the guest's docker.sock, set up by the bench beside Dlite's own
// transport: the transport Dlite falls back to (and used before the Docker port), measured in the
// same run for comparison.
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import { dockerGet } from './session.mjs';
import { waitFor } from './proc.mjs';

/** Starts `ssh -N -L <tmp>/ssh-docker.sock:/var/run/docker.sock`; resolves once /_ping answers. */
export async function startSshForward(session, dir) {
  const { sshPort } = JSON.parse(await readFile(path.join(session.home, 'run/qemu.json'), 'utf8'));
  const socket = path.join(dir, 'ssh-docker.sock');
  await rm(socket, { force: true });
  const child = spawn(
    'ssh',
    [
      ...['-F', 'none', '-i', path.join(session.home, 'ssh/id_ed25519'), '-o', 'IdentitiesOnly=yes'],
      ...['-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${path.join(session.home, 'ssh/known_hosts')}`],
      ...['-o', 'StrictHostKeyChecking=no', '-o', 'LogLevel=ERROR', '-N', '-T'],
      ...['-L', `${socket}:/var/run/docker.sock`, '-p', String(sshPort), 'docker@127.0.0.1'],
    ],
    { stdio: 'ignore' },
  );
  await waitFor(
    'the SSH forward',
    async () => ((await dockerGet(socket, '/_ping').catch(() => null))?.body === 'OK' ? true : undefined),
    { timeoutMs: 60_000 },
  );
  return {
    socket,
    stop: async () => {
      child.kill();
      await rm(socket, { force: true });
    },
  };
}
