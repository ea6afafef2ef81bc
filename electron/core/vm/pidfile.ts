import { readFile, rename, rm, writeFile } from 'node:fs/promises';

import { run } from '../process/run.js';

/**
 * True when a process with `pid` exists and is not a zombie. EPERM (someone else's process) counts
 * as alive. Pids ≤ 0 are never alive (they address process groups).
 */
export async function isAlive(pid: number): Promise<boolean> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * The command line of `pid` as one space-joined string, or null when it is gone or unreadable.
 * Linux reads /proc/<pid>/cmdline; macOS asks `ps -o command= -p <pid>`. Used to check that a pid
 * from a pidfile still is our hypervisor for our disk (pids get reused).
 */
export async function processCommandLine(pid: number): Promise<string | null> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  if (process.platform === 'linux') {
    try {
      const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      const text = raw.split('\0').filter(Boolean).join(' ');
      return text === '' ? null : text;
    } catch {
      return null;
    }
  }
  try {
    const { stdout } = await run('ps', ['-o', 'command=', '-p', String(pid)], { timeoutMs: 5000 });
    return stdout.trim() === '' ? null : stdout.trim();
  } catch {
    return null;
  }
}

/** The pid in a pidfile (first line, decimal), or null when the file is missing or garbled. */
export async function readPidfile(file: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const first = text.split('\n')[0]?.trim() ?? '';
  if (!/^\d+$/.test(first)) return null;
  const pid = Number(first);
  return pid > 0 ? pid : null;
}

/** Writes `pid` to `file` atomically (temp file + rename), mode 0644. */
export async function writePidfile(file: string, pid: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${pid}\n`, { mode: 0o644 });
  await rename(tmp, file);
}

/** Removes a pidfile; no error when it is already gone. */
export async function removePidfile(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** Waits up to `ms` for `pid` to be gone; true when it is. */
export async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (await isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone (or 5 s after the SIGKILL). */
export async function killProcess(pid: number, graceMs = 3_000): Promise<void> {
  if (!(await isAlive(pid))) return;
  process.kill(pid, 'SIGTERM');
  if (await waitGone(pid, graceMs)) return;
  process.kill(pid, 'SIGKILL');
  await waitGone(pid, 5_000);
}
