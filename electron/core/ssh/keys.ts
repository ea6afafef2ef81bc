import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';

import { execa } from 'execa';

import type { DlitePaths } from '../paths.js';

import { lastLines } from '../fs/tail.js';

import { SshError } from './ssh-error.js';

export interface SshKey {
  readonly privateKeyPath: string;
  /** One `ssh-ed25519 AAAA… dlite@host` line, without the trailing newline. */
  readonly publicKey: string;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** `type base64` of a public key line, without the comment. */
function keyMaterial(line: string): string {
  return line.split(/\s+/).slice(0, 2).join(' ');
}

async function derivePublicKey(privateKeyPath: string): Promise<string> {
  const r = await execa('ssh-keygen', ['-y', '-f', privateKeyPath], {
    reject: false,
    stdin: 'ignore',
    timeout: 10_000,
  });
  const line = r.stdout.trim();
  if (r.exitCode !== 0 || !line.startsWith('ssh-')) {
    throw new SshError(
      'ssh-failed',
      `The SSH key ${privateKeyPath} is unreadable or corrupt (${lastLines(r.stderr, 1)[0] ?? 'no public key'}); ` +
        'move it away and Dlite will create a new one',
      `ssh-keygen -y -f ${privateKeyPath}`,
      r.stderr,
    );
  }
  return line;
}

/**
 * Makes sure Dlite's own ed25519 key exists in `paths.sshDir` (dir 0700, key 0600) and returns it.
 * Idempotent: an existing key is reused (its modes are tightened, a missing `.pub` is rebuilt).
 * A corrupt or unreadable key is reported as `ssh-failed`, never silently replaced.
 */
export async function ensureSshKey(paths: Pick<DlitePaths, 'sshDir' | 'sshKey'>): Promise<SshKey> {
  await mkdir(paths.sshDir, { recursive: true, mode: 0o700 });
  await chmod(paths.sshDir, 0o700);
  const pubPath = `${paths.sshKey}.pub`;

  if (await exists(paths.sshKey)) {
    await chmod(paths.sshKey, 0o600);
    const publicKey = await derivePublicKey(paths.sshKey);
    const onDisk = (await exists(pubPath)) ? (await readFile(pubPath, 'utf8')).trim() : '';
    if (keyMaterial(onDisk) !== keyMaterial(publicKey)) {
      await writeFile(pubPath, `${publicKey}\n`, { mode: 0o644 });
    }
    return { privateKeyPath: paths.sshKey, publicKey };
  }

  await rm(pubPath, { force: true });
  const args = ['-q', '-t', 'ed25519', '-N', '', '-C', `dlite@${os.hostname()}`, '-f', paths.sshKey];
  const r = await execa('ssh-keygen', args, { reject: false, stdin: 'ignore', timeout: 30_000 });
  if (r.exitCode !== 0) {
    throw new SshError(
      'ssh-failed',
      `Creating the SSH key ${paths.sshKey} failed: ${lastLines(r.stderr, 1)[0] ?? `ssh-keygen exited ${r.exitCode}`}`,
      `ssh-keygen ${args.join(' ')}`,
      r.stderr,
    );
  }
  await chmod(paths.sshKey, 0o600);
  return { privateKeyPath: paths.sshKey, publicKey: (await readFile(pubPath, 'utf8')).trim() };
}
