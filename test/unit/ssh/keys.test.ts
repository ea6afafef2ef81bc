import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ensureSshKey } from '../../../electron/core/ssh/keys.js';
import { SshError } from '../../../electron/core/ssh/ssh-error.js';

let home: string;
let paths: { sshDir: string; sshKey: string };

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'dlite-keys-'));
  paths = { sshDir: path.join(home, 'ssh'), sshKey: path.join(home, 'ssh', 'id_ed25519') };
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

describe('ensureSshKey', () => {
  it('creates an ed25519 key with private modes and a dlite@host comment', async () => {
    const key = await ensureSshKey(paths);
    expect(key.privateKeyPath).toBe(paths.sshKey);
    expect(key.publicKey).toMatch(new RegExp(`^ssh-ed25519 [A-Za-z0-9+/]+=* dlite@${os.hostname()}$`));
    expect(await mode(paths.sshDir)).toBe(0o700);
    expect(await mode(paths.sshKey)).toBe(0o600);
    const derived = execFileSync('ssh-keygen', ['-y', '-f', paths.sshKey], { encoding: 'utf8' });
    expect(derived.split(' ').slice(0, 2)).toEqual(key.publicKey.split(' ').slice(0, 2));
  });

  it('is idempotent: the same key comes back, modes tightened, a lost .pub rebuilt', async () => {
    const first = await ensureSshKey(paths);
    await rm(`${paths.sshKey}.pub`);
    execFileSync('chmod', ['0755', paths.sshDir]);
    execFileSync('chmod', ['0644', paths.sshKey]);
    const second = await ensureSshKey(paths);
    expect(second.publicKey.split(' ').slice(0, 2)).toEqual(first.publicKey.split(' ').slice(0, 2));
    expect((await readFile(`${paths.sshKey}.pub`, 'utf8')).trim()).toBe(second.publicKey);
    expect(await mode(paths.sshDir)).toBe(0o700);
    expect(await mode(paths.sshKey)).toBe(0o600);
  });

  it('reports a corrupt key and leaves it in place', async () => {
    await ensureSshKey(paths);
    await writeFile(paths.sshKey, 'not a key\n', { mode: 0o600 });
    const error = await ensureSshKey(paths).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SshError);
    expect((error as SshError).code).toBe('ssh-failed');
    expect((error as SshError).message).toContain(`The SSH key ${paths.sshKey} is unreadable or corrupt`);
    expect(await readFile(paths.sshKey, 'utf8')).toBe('not a key\n');
  });
});
