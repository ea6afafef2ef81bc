import { describe, expect, it } from 'vitest';

import { CpuWindow, parseGuestUsage } from '../../../electron/core/resources/figures.js';
import {
  combinedRss,
  parseProcStatCpu,
  parseProcStatus,
  parsePsLine,
} from '../../../electron/core/resources/proc-stats.js';

describe('host process figures', () => {
  it('reads utime + stime after a command name with spaces and parentheses', () => {
    const line =
      '4242 (qemu (x) sys) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 566 0 0 20 0 5 0 100 2000000 30000 18446744073709551615';
    expect(parseProcStatCpu(line)).toBe(18);
    expect(parseProcStatCpu('garbage')).toBeNull();
  });

  it('reads VmRSS, RssAnon and RssShmem in bytes', () => {
    const text =
      'Name:\tqemu\nVmRSS:\t 1177600 kB\nRssAnon:\t  600000 kB\nRssFile:\t   84000 kB\nRssShmem:\t  493600 kB\n';
    expect(parseProcStatus(text)).toEqual({
      rssBytes: 1177600 * 1024,
      anonBytes: 600000 * 1024,
      shmemBytes: 493600 * 1024,
    });
    expect(parseProcStatus('Name:\tx\n')).toBeNull();
  });

  it('reads macOS ps rss and cumulative time', () => {
    expect(parsePsLine('  524288   1:02.50')).toEqual({ rssBytes: 524288 * 1024, cpuSeconds: 62.5 });
    expect(parsePsLine('1024 2-03:04:05.00')).toEqual({
      rssBytes: 1024 * 1024,
      cpuSeconds: 2 * 86400 + 3 * 3600 + 4 * 60 + 5,
    });
    expect(parsePsLine('nope')).toBeNull();
  });

  it('counts guest RAM once: the hypervisor whole, a helper only for its private memory', () => {
    const qemu = { cpuSeconds: 1, rssBytes: 1000, anonBytes: 400, shmemBytes: 500 };
    const virtiofsd = { cpuSeconds: 1, rssBytes: 520, anonBytes: 15, shmemBytes: 500 };
    expect(combinedRss([qemu, virtiofsd])).toBe(1015);
    expect(combinedRss([qemu, { ...virtiofsd, anonBytes: null }])).toBe(1020);
  });

  it('takes CPU % over the last minute, and starts over for other processes', () => {
    const w = new CpuWindow(60_000);
    expect(w.percent()).toBeNull();
    w.add(0, 10, 'q');
    w.add(30_000, 10.3, 'q');
    expect(w.percent()).toBeCloseTo(1, 5);
    w.add(60_000, 10.6, 'q');
    w.add(90_000, 12.4, 'q');
    // The window is the newest minute: 60 s → 90 s plus the sample before it (30 s).
    expect(w.percent()).toBeCloseTo((100 * 2.1) / 60, 5);
    w.add(100_000, 0.5, 'q,v');
    expect(w.percent()).toBeNull();
  });
});

describe('guest usage', () => {
  it('parses reclaim usage and the SSH session count', () => {
    const out = [
      'mem_total_kib 2012120',
      'mem_available_kib 1697044',
      'disk_total_kib 20511312',
      'disk_used_kib 1048576',
      'pty_sessions 1',
    ].join('\n');
    expect(parseGuestUsage(out)).toEqual({
      usage: {
        memTotalBytes: 2012120 * 1024,
        memUsedBytes: (2012120 - 1697044) * 1024,
        diskTotalBytes: 20511312 * 1024,
        diskUsedBytes: 1048576 * 1024,
      },
      ptySessions: 1,
    });
    expect(parseGuestUsage('disk_total_kib 1')).toBeNull();
  });
});
