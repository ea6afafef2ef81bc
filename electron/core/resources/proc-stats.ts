import { readFile } from 'node:fs/promises';

import { run } from '../process/run.js';

/** One process's CPU time and memory at one moment. */
export interface ProcSample {
  /** CPU seconds used so far (user + system). */
  readonly cpuSeconds: number;
  /** Resident bytes, split where the OS tells (Linux): private anonymous, file-backed, shared memory. */
  readonly rssBytes: number;
  readonly anonBytes: number | null;
  readonly shmemBytes: number | null;
}

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ is 100 on every Linux Node runs on). */
export const USER_HZ = 100;

/**
 * utime + stime of a `/proc/<pid>/stat` line, in seconds. The command name (field 2) may hold
 * spaces and parentheses, so fields are counted after its last `)`. Pure; null when malformed.
 */
export function parseProcStatCpu(line: string): number | null {
  const end = line.lastIndexOf(')');
  if (end < 0) return null;
  const fields = line
    .slice(end + 2)
    .trim()
    .split(/\s+/);
  // After the name: state(3) ppid(4) ... utime(14) stime(15) → indexes 11 and 12 here.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / USER_HZ : null;
}

/** VmRSS, RssAnon and RssShmem of a `/proc/<pid>/status` text, in bytes. Pure; null without VmRSS. */
export function parseProcStatus(
  text: string,
): { rssBytes: number; anonBytes: number | null; shmemBytes: number | null } | null {
  const kib = (key: string): number | null => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : null;
  };
  const rss = kib('VmRSS');
  return rss === null ? null : { rssBytes: rss, anonBytes: kib('RssAnon'), shmemBytes: kib('RssShmem') };
}

/**
 * `ps -o rss=,time=` output (macOS: KiB and `[[dd-]hh:]mm:ss.ss`) → bytes and CPU seconds. Pure;
 * null when malformed.
 */
export function parsePsLine(line: string): { rssBytes: number; cpuSeconds: number } | null {
  const m = /^\s*(\d+)\s+(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)\s*$/.exec(line);
  if (!m) return null;
  const [, rss, days, hours, minutes, seconds] = m;
  const cpu = Number(days ?? 0) * 86_400 + Number(hours ?? 0) * 3600 + Number(minutes) * 60 + Number(seconds);
  return { rssBytes: Number(rss) * 1024, cpuSeconds: cpu };
}

/** Samples `pid` (Linux: /proc; elsewhere `ps`); null when it is gone. */
export async function sampleProcess(
  pid: number,
  platform: NodeJS.Platform = process.platform,
): Promise<ProcSample | null> {
  if (platform === 'linux') {
    try {
      const [stat, status] = await Promise.all([
        readFile(`/proc/${pid}/stat`, 'utf8'),
        readFile(`/proc/${pid}/status`, 'utf8'),
      ]);
      const cpu = parseProcStatCpu(stat);
      const mem = parseProcStatus(status);
      return cpu === null || mem === null ? null : { cpuSeconds: cpu, ...mem };
    } catch {
      return null;
    }
  }
  try {
    const out = await run('ps', ['-o', 'rss=,time=', '-p', String(pid)], { timeoutMs: 5_000 });
    const p = parsePsLine(out.stdout.trim());
    return p ? { ...p, anonBytes: null, shmemBytes: null } : null;
  } catch {
    return null;
  }
}

/**
 * The hypervisor's resident memory: all of the first process's, plus only the private memory of
 * its helpers (virtiofsd maps guest RAM too; counting it twice would double the figure). Pure.
 */
export function combinedRss(samples: readonly ProcSample[]): number {
  return samples.reduce(
    (sum, s, i) => sum + (i === 0 ? s.rssBytes : (s.anonBytes ?? s.rssBytes - (s.shmemBytes ?? 0))),
    0,
  );
}
