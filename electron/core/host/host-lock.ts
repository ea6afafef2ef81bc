import { mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';

import { DliteError } from '../dlite-error.js';
import { waitGone } from '../vm/pidfile.js';

/** A holder killed a moment ago may still be exiting: wait this long before calling it busy, ms. */
const HOLDER_EXIT_GRACE_MS = 1_000;

/** The `dlite daemon` hosting a Dlite home (`run/daemon.pid`). */
export interface HostRecord {
  readonly pid: number;
  readonly startedAt: string;
}

export class HostBusyError extends DliteError {
  override name = 'HostBusyError';
  constructor(readonly holder: HostRecord) {
    super(
      'daemon-already-running',
      `Dlite is already running here: the dlite daemon (pid ${holder.pid}) hosts this VM`,
      { pid: holder.pid },
    );
  }
}

/** Reads the host record; null when absent or unreadable. */
export async function readHostRecord(file: string): Promise<HostRecord | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<HostRecord>;
    if (typeof parsed.pid !== 'number') return null;
    return { pid: parsed.pid, startedAt: String(parsed.startedAt ?? '') };
  } catch {
    return null;
  }
}

export interface HostLock {
  readonly record: HostRecord;
  release(): Promise<void>;
}

/**
 * Exactly one daemon per Dlite home. Creates `file` with O_EXCL; a record left by a dead process
 * is removed and the lock taken; a live holder → {@link HostBusyError}.
 */
export async function acquireHostLock(file: string): Promise<HostLock> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const record: HostRecord = { pid: process.pid, startedAt: new Date().toISOString() };
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
  throw new DliteError('internal', `Could not take the host lock ${file}`, { file });
}
