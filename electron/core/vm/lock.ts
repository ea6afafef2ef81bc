import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import { DliteError } from '../dlite-error.js';

import { isAlive, processCommandLine } from './pidfile.js';

/** What the lock file holds. */
export interface LockRecord {
  /** Pid of the process that holds the lock (the supervisor). */
  readonly pid: number;
  /** ISO 8601 time the lock was taken. */
  readonly startedAt: string;
  /** Pid of the hypervisor running on the disk, once known. */
  readonly hypervisorPid: number | null;
  readonly disk: string;
  /** The holder's command line when it took the lock; a different one at that pid means pid reuse. */
  readonly owner: string | null;
}

/** The disk is in use by a live process. */
export class LockError extends DliteError {
  override name = 'LockError';
  constructor(
    readonly holder: LockRecord,
    lockPath: string,
  ) {
    super(
      'disk-locked',
      `the disk ${holder.disk} is in use by process ${holder.pid} since ${holder.startedAt}; stop that Dlite first (lock: ${lockPath})`,
      { file: lockPath, pid: holder.pid },
    );
  }
}

/** A held lock. */
export interface DiskLock {
  readonly path: string;
  record(): LockRecord;
  /** The record of a dead holder this lock replaced; its `hypervisorPid` may be an orphan to adopt or kill. */
  readonly replaced: LockRecord | null;
  /** Records the hypervisor pid in the lock file (atomic rewrite). */
  setHypervisorPid(pid: number | null): Promise<void>;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

const BREAKER_STALE_MS = 10_000;
const EMPTY_GRACE_MS = 2_000;
const ATTEMPTS = 100;

function parseRecord(text: string): LockRecord | null {
  try {
    const v = JSON.parse(text) as Partial<LockRecord>;
    if (typeof v.pid !== 'number' || typeof v.startedAt !== 'string' || typeof v.disk !== 'string') {
      return null;
    }
    return {
      pid: v.pid,
      startedAt: v.startedAt,
      hypervisorPid: typeof v.hypervisorPid === 'number' ? v.hypervisorPid : null,
      disk: v.disk,
      owner: typeof v.owner === 'string' ? v.owner : null,
    };
  } catch {
    return null;
  }
}

/** The current lock record, or null when there is no (readable) lock file. */
export async function readLock(lockPath: string): Promise<LockRecord | null> {
  try {
    return parseRecord(await readFile(lockPath, 'utf8'));
  } catch {
    return null;
  }
}

/** True while the record's holder is alive and still the same program (not a reused pid). */
export async function isHolderAlive(rec: LockRecord): Promise<boolean> {
  if (!(await isAlive(rec.pid))) return false;
  if (rec.owner === null) return true;
  const now = await processCommandLine(rec.pid);
  return now === null || now === rec.owner;
}

async function ageMs(file: string): Promise<number> {
  try {
    return Date.now() - (await stat(file)).mtimeMs;
  } catch {
    return Infinity;
  }
}

/** Removes `lockPath` only if it still holds `seen`, serialized through a `.break` file. */
async function breakStale(lockPath: string, seen: string): Promise<void> {
  const breaker = `${lockPath}.break`;
  try {
    await (await open(breaker, 'wx', 0o600)).close();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if ((await ageMs(breaker)) > BREAKER_STALE_MS) await rm(breaker, { force: true });
    return;
  }
  try {
    const now = await readFile(lockPath, 'utf8').catch(() => null);
    if (now === seen) await rm(lockPath, { force: true });
  } finally {
    await rm(breaker, { force: true });
  }
}

async function writeRecord(lockPath: string, rec: LockRecord): Promise<void> {
  const tmp = `${lockPath}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(rec), { mode: 0o600 });
  await rename(tmp, lockPath);
}

/**
 * Takes the exclusive lock for `disk` at `lockPath` (O_CREAT|O_EXCL), recording this process.
 * A lock whose holder is dead (or whose pid now runs another program) is replaced; a live holder,
 * including this very process, makes it throw {@link LockError}. Safe against concurrent callers:
 * exactly one wins.
 */
export async function acquireDiskLock(lockPath: string, disk: string): Promise<DiskLock> {
  const owner = await processCommandLine(process.pid);
  let replaced: LockRecord | null = null;
  for (let i = 0; i < ATTEMPTS; i++) {
    let rec: LockRecord = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      hypervisorPid: null,
      disk,
      owner,
    };
    try {
      const fh = await open(lockPath, 'wx', 0o600);
      try {
        await fh.writeFile(JSON.stringify(rec));
      } finally {
        await fh.close();
      }
      return {
        path: lockPath,
        replaced,
        record: () => rec,
        setHypervisorPid: async (pid) => {
          rec = { ...rec, hypervisorPid: pid };
          await writeRecord(lockPath, rec);
        },
        release: async () => {
          const cur = await readLock(lockPath);
          if (cur && cur.pid === rec.pid && cur.startedAt === rec.startedAt) {
            await rm(lockPath, { force: true });
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const text = await readFile(lockPath, 'utf8').catch(() => null);
    if (text === null) continue;
    const held = parseRecord(text);
    if (held === null) {
      if ((await ageMs(lockPath)) < EMPTY_GRACE_MS) {
        await sleep(20);
        continue;
      }
    } else if (await isHolderAlive(held)) {
      throw new LockError(held, lockPath);
    }
    replaced = held ?? replaced;
    await breakStale(lockPath, text);
    await sleep(5 + Math.random() * 20);
  }
  throw new Error(`could not take the disk lock ${lockPath}: it keeps changing; try again`);
}
