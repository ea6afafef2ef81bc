import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { acquireDiskLock, LockError, readLock, type LockRecord } from '../../../electron/core/vm/lock.js';
import {
  isAlive,
  processCommandLine,
  readPidfile,
  removePidfile,
  writePidfile,
} from '../../../electron/core/vm/pidfile.js';

let dir: string;
let lockPath: string;
const children: ChildProcess[] = [];

function sleeper(): ChildProcess {
  const c = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

async function killAndReap(c: ChildProcess): Promise<void> {
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await gone;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-lock-'));
  lockPath = path.join(dir, 'disk.lock');
});
afterEach(async () => {
  children.splice(0).forEach((c) => c.kill('SIGKILL'));
  await rm(dir, { recursive: true, force: true });
});

function record(pid: number, owner: string | null, hypervisorPid: number | null = null): LockRecord {
  return { pid, startedAt: '2024-01-01T00:00:00.000Z', hypervisorPid, disk: '/d/disk.img', owner };
}

describe('pidfile helpers', () => {
  it('isAlive follows a real process through its death', async () => {
    const c = sleeper();
    expect(await isAlive(c.pid!)).toBe(true);
    await killAndReap(c);
    expect(await isAlive(c.pid!)).toBe(false);
    expect(await isAlive(0)).toBe(false);
    expect(await isAlive(-1)).toBe(false);
    expect(await isAlive(1)).toBe(true);
  });

  it('isAlive is false for a zombie', async () => {
    const sh = spawn('sh', ['-c', 'sleep 0.1 & exec sleep 30'], { stdio: 'ignore' });
    children.push(sh);
    const zombieParent = sh.pid!;
    await new Promise((r) => setTimeout(r, 500));
    const kids = (await readFile(`/proc/${zombieParent}/task/${zombieParent}/children`, 'utf8')).trim();
    expect(kids).not.toBe('');
    expect(await isAlive(Number(kids.split(' ')[0]))).toBe(false);
  });

  it('processCommandLine reads the argv of a live process, null when gone', async () => {
    const c = sleeper();
    expect(await processCommandLine(c.pid!)).toBe('sleep 30');
    await killAndReap(c);
    expect(await processCommandLine(c.pid!)).toBeNull();
  });

  it('reads, writes and removes pidfiles', async () => {
    const f = path.join(dir, 'vm.pid');
    expect(await readPidfile(f)).toBeNull();
    await writePidfile(f, 4242);
    expect(await readFile(f, 'utf8')).toBe('4242\n');
    expect(await readPidfile(f)).toBe(4242);
    await writeFile(f, 'garbage\n');
    expect(await readPidfile(f)).toBeNull();
    await removePidfile(f);
    await removePidfile(f);
    expect(await readPidfile(f)).toBeNull();
  });
});

describe('acquireDiskLock', () => {
  it('takes, records and releases the lock', async () => {
    const lock = await acquireDiskLock(lockPath, '/d/disk.img');
    expect(lock.replaced).toBeNull();
    const rec = await readLock(lockPath);
    expect(rec).toMatchObject({ pid: process.pid, hypervisorPid: null, disk: '/d/disk.img' });
    expect(rec?.owner).toContain('node');
    await lock.setHypervisorPid(1234);
    expect((await readLock(lockPath))?.hypervisorPid).toBe(1234);
    await lock.release();
    await lock.release();
    expect(await readLock(lockPath)).toBeNull();
  });

  it('refuses while a live holder has it — even this process', async () => {
    const lock = await acquireDiskLock(lockPath, '/d/disk.img');
    await expect(acquireDiskLock(lockPath, '/d/disk.img')).rejects.toBeInstanceOf(LockError);
    await lock.release();
    const again = await acquireDiskLock(lockPath, '/d/disk.img');
    await again.release();
  });

  it('refuses when another live process holds it', async () => {
    const c = sleeper();
    await writeFile(lockPath, JSON.stringify(record(c.pid!, 'sleep 30')));
    const e: unknown = await acquireDiskLock(lockPath, '/d/disk.img').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LockError);
    expect((e as LockError).code).toBe('disk-locked');
    expect((e as LockError).message).toContain(`in use by process ${c.pid}`);
  });

  it('replaces the lock of a dead holder and reports its orphan hypervisor pid', async () => {
    const c = sleeper();
    const pid = c.pid!;
    await killAndReap(c);
    await writeFile(lockPath, JSON.stringify(record(pid, 'sleep 30', 777)));
    const lock = await acquireDiskLock(lockPath, '/d/disk.img');
    expect(lock.replaced).toMatchObject({ pid, hypervisorPid: 777 });
    expect((await readLock(lockPath))?.pid).toBe(process.pid);
    await lock.release();
  });

  it('treats a reused pid (different command line) as stale', async () => {
    const c = sleeper();
    await writeFile(lockPath, JSON.stringify(record(c.pid!, 'qemu-system-x86_64 -name dlite')));
    const lock = await acquireDiskLock(lockPath, '/d/disk.img');
    expect(lock.replaced?.pid).toBe(c.pid);
    await lock.release();
  });

  it('replaces an old garbled lock file', async () => {
    await writeFile(lockPath, '{not json');
    const old = new Date(Date.now() - 60_000);
    const { utimes } = await import('node:fs/promises');
    await utimes(lockPath, old, old);
    const lock = await acquireDiskLock(lockPath, '/d/disk.img');
    expect(lock.replaced).toBeNull();
    await lock.release();
  });

  it('lets exactly one of many concurrent callers win, also over a stale lock', async () => {
    for (const stale of [false, true]) {
      if (stale) {
        const c = sleeper();
        await killAndReap(c);
        await writeFile(lockPath, JSON.stringify(record(c.pid!, null)));
      }
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, () => acquireDiskLock(lockPath, '/d/disk.img')),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LockError);
      }
      await (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireDiskLock>>>).value.release();
    }
  });
});
