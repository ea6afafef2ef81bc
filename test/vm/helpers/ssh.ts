import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { execa } from 'execa';

/** An ed25519 key pair generated for one test run. */
export interface SshKey {
  readonly privateKey: string;
  /** The OpenSSH public key line (no trailing newline). */
  readonly publicKey: string;
}

export async function generateKey(dir: string): Promise<SshKey> {
  const privateKey = path.join(dir, 'id_ed25519');
  await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dlite-test', '-f', privateKey]);
  const publicKey = (await readFile(`${privateKey}.pub`, 'utf8')).trim();
  return { privateKey, publicKey };
}

/** Options every connection to a throwaway guest uses (its host key changes per disk). */
export function sshOptions(port: number): string[] {
  return [
    ...['-p', String(port)],
    ...['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'],
    ...['-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=10'],
  ];
}

export interface SshResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` in the guest; never throws on a non-zero exit. */
export async function ssh(
  port: number,
  args: { user?: string; key?: SshKey; extra?: string[]; command: string; input?: string },
): Promise<SshResult> {
  const r = await execa(
    'ssh',
    [
      ...sshOptions(port),
      ...['-o', 'BatchMode=yes'],
      ...(args.key ? ['-i', args.key.privateKey, '-o', 'IdentitiesOnly=yes'] : []),
      ...(args.extra ?? []),
      `${args.user ?? 'docker'}@127.0.0.1`,
      args.command,
    ],
    { reject: false, timeout: 60_000, input: args.input ?? '' },
  );
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A forwarded guest unix socket (`ssh -N -L local:remote`). */
export interface SocketForward {
  readonly localSocket: string;
  close(): Promise<void>;
}

/** Forwards the guest's `remote` unix socket to `localSocket` and waits until it exists. */
export async function forwardSocket(
  port: number,
  key: SshKey,
  localSocket: string,
  remote = '/var/run/docker.sock',
): Promise<SocketForward> {
  await rm(localSocket, { force: true });
  const child: ChildProcess = spawn(
    'ssh',
    [
      ...sshOptions(port),
      ...['-i', key.privateKey, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'],
      ...['-o', 'ExitOnForwardFailure=yes', '-o', 'StreamLocalBindUnlink=yes'],
      ...['-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3'],
      ...['-N', '-L', `${localSocket}:${remote}`, 'docker@127.0.0.1'],
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!existsSync(localSocket)) {
    if (child.exitCode !== null) throw new Error(`ssh -L exited ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`ssh -L did not create ${localSocket}: ${stderr}`);
    }
    await sleep(50);
  }
  return {
    localSocket,
    close: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(localSocket, { force: true });
    },
  };
}
