import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import { waitGone } from '../vm/pidfile.js';

/** A holder killed a moment ago may still be exiting: wait this long before calling it busy, ms. */
const HOLDER_EXIT_GRACE_MS = 1_000;

/** Who hosts the supervisor of a Dlite home. */
export type HostRole = 'daemon' | 'app';

export interface HostRecord {
  readonly pid: number;
  readonly role: HostRole;
  readonly startedAt: string;
}

export class HostBusyError extends Error {
  readonly code = 'daemon-already-running' as const;
  constructor(readonly holder: HostRecord) {
    super(
      `Dlite is already running here: the ${holder.role === 'app' ? 'menu-bar app' : 'dlite daemon'} (pid ${holder.pid}) hosts this VM`,
    );
    this.name = 'HostBusyError';
  }
}

/** Reads the host record; null when absent or unreadable. */
export async function readHostRecord(file: string): Promise<HostRecord | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<HostRecord>;
    if (typeof parsed.pid !== 'number' || (parsed.role !== 'daemon' && parsed.role !== 'app')) return null;
    return { pid: parsed.pid, role: parsed.role, startedAt: String(parsed.startedAt ?? '') };
  } catch {
    return null;
  }
}

export interface HostLock {
  readonly record: HostRecord;
  release(): Promise<void>;
}

/**
 * Exactly one process per Dlite home hosts the supervisor. Creates `file` with O_EXCL;
 * a record left by a dead process is removed and the lock taken; a live holder → {@link HostBusyError}.
 */
export async function acquireHostLock(file: string, role: HostRole): Promise<HostLock> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const record: HostRecord = { pid: process.pid, role, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 5; attempt += 1) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(record) + '\n');
      await handle.close();
      return {
        record,
        release: async () => {
          const current = await readHostRecord(file);
          if (current?.pid === process.pid) await rm(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await readHostRecord(file);
    if (
      holder !== null &&
      holder.pid !== process.pid &&
      !(await waitGone(holder.pid, HOLDER_EXIT_GRACE_MS))
    ) {
      throw new HostBusyError(holder);
    }
    // Stale (dead holder) or half-written: remove and try again. O_EXCL arbitrates a race.
    await rm(file, { force: true });
  }
  throw new Error(`Could not take the host lock ${file}`);
}
