import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DliteError } from '../../../electron/core/dlite-error.js';
import { createGuestExecutor } from '../../../electron/core/guest/guest-executor.js';
import { remoteCommand } from '../../../electron/core/ssh/ssh-args.js';
import type { ExecOptions, ExecResult } from '../../../electron/core/ssh/ssh-client.js';

// The executor's scripts run in a real local `sh` the way the guest's login shell runs them
// (argv quoted by remoteCommand, `sudo --` stripped: the test already runs with the rights it needs).
// The same executor against the real guest is exercised by test/vm/host-side.test.ts.
const run = promisify(execFile);
const calls: string[][] = [];
const localShell = {
  exec: async (argv: readonly string[] | string, o: ExecOptions = {}): Promise<ExecResult> => {
    const args = typeof argv === 'string' ? [argv] : [...argv];
    calls.push(args);
    const stripped = args[0] === 'sudo' && args[1] === '--' ? args.slice(2) : args;
    const child = run('sh', ['-c', remoteCommand(stripped)], { encoding: 'utf8' });
    if (o.input !== undefined) child.child.stdin?.end(o.input);
    else child.child.stdin?.end();
    try {
      const { stdout, stderr } = await child;
      return { stdout, stderr, exitCode: 0 };
    } catch (e) {
      const x = e as { stdout: string; stderr: string; code: number };
      return { stdout: x.stdout, stderr: x.stderr, exitCode: x.code };
    }
  },
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-exec-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('guest executor', () => {
  const guest = createGuestExecutor(localShell);

  it('runs commands as root through sudo, and unprivileged ones as they are', async () => {
    calls.length = 0;
    await guest.exec(['true']);
    await guest.exec(['true'], { unprivileged: true });
    expect(calls).toEqual([['sudo', '--', 'true'], ['true']]);
  });

  it('writes a file atomically with its mode, creating folders, and reads it back', async () => {
    const file = path.join(dir, 'etc', 'docker', "daemon's.json");
    await guest.writeFile(file, '{"a": 1}\n', 0o644);
    expect(await readFile(file, 'utf8')).toBe('{"a": 1}\n');
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await guest.writeFile(file, 'second\n', 0o600);
    expect(await guest.readFile(file)).toBe('second\n');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await guest.readFile(path.join(dir, 'missing'))).toBeNull();
  });

  it('keeps the old file when the write fails', async () => {
    const file = path.join(dir, 'kept');
    await writeFile(file, 'old\n');
    const e = await guest.writeFile(file, 'new\n', 0o10000).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DliteError);
    expect((e as DliteError).message).toMatch(/^Writing .*kept in the VM failed: /);
    expect(await readFile(file, 'utf8')).toBe('old\n');
  });

  it('names what failed and the last stderr line', async () => {
    const e = await guest
      .run("Reading the VM's clock", ['sh', '-c', 'echo first >&2; echo "no clock" >&2; exit 2'])
      .catch((x: unknown) => x as DliteError);
    expect(e).toMatchObject({ code: 'ssh-failed', message: "Reading the VM's clock failed: no clock" });
  });

  it('refuses a relative or multi-line path', async () => {
    await expect(guest.writeFile('etc/x', '', 0o644)).rejects.toThrow(/must be absolute/);
    await expect(guest.readFile('/etc/x\n/y')).rejects.toThrow(/on one line/);
  });
});
