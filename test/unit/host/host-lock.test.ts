import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { HostBusyError, acquireHostLock } from '../../../electron/core/host/host-lock.js';

describe('host lock (one daemon per Dlite home)', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-host-'));
    file = path.join(dir, 'run', 'daemon.pid');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('refuses a second host and names the holder', async () => {
    const child = spawn('sleep', ['30']);
    try {
      await acquireHostLock(file);
      await writeFile(file, JSON.stringify({ pid: child.pid, startedAt: 'x' }));
      const failure = acquireHostLock(file);
      await expect(failure).rejects.toBeInstanceOf(HostBusyError);
      await expect(failure).rejects.toThrow(`the dlite daemon (pid ${child.pid}) hosts this VM`);
      await expect(failure).rejects.toMatchObject({ code: 'daemon-already-running' });
    } finally {
      child.kill();
    }
  });

  it('takes over a lock left by a dead process', async () => {
    const child = spawn('true');
    await new Promise((r) => child.on('exit', r));
    await acquireHostLock(file);
    await writeFile(file, JSON.stringify({ pid: child.pid, startedAt: 'x' }));
    const lock = await acquireHostLock(file);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
    await lock.release();
    await expect(readFile(file)).rejects.toThrow();
  });
});
