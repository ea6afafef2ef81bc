import { describe, expect, it } from 'vitest';

import { describeCheck, describeUpdate } from '../../../electron/cli/commands/update.js';
import { runCli } from '../../../electron/cli/run-cli.js';
import { createTransferView, progressBar } from '../../../electron/cli/transfer-view.js';
import { TransferMeter } from '../../../electron/core/os-image/transfer-meter.js';
import { formatBytes, formatEta, formatTransfer } from '../../../electron/shared/format-transfer.js';
import type { ProgressDto } from '../../../electron/shared/types.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      isTty: false,
      errIsTty: false,
      env: {},
    },
  };
}

const step = (s: string, current: number, transfer?: ProgressDto['transfer']): ProgressDto => ({
  operation: 'update',
  step: s,
  description: s === 'download' ? `Downloading DhyveOS 0.2.0 (${transfer?.file ?? ''})` : s,
  current,
  max: 4,
  ...(transfer ? { transfer } : {}),
});
const t = (file: string, bytes: number): ProgressDto['transfer'] => ({
  file,
  bytes,
  totalBytes: 100 * 1024 * 1024,
  bytesPerSecond: 4 * 1024 * 1024,
  etaSeconds: 20,
});

describe('dlite update output', () => {
  it('says what is active, what is kept, and when the VM uses it', () => {
    expect(
      describeUpdate({
        version: '0.2.0',
        previousVersion: '0.1.0',
        status: 'installed',
        restartPending: '0.1.0',
      }),
    ).toEqual([
      'DhyveOS 0.2.0 is installed and the active version.',
      "DhyveOS 0.1.0 is kept: 'dlite update --rollback' switches back to it.",
      "The running VM keeps DhyveOS 0.1.0 until it restarts: run 'dlite restart' to boot 0.2.0.",
    ]);
    expect(
      describeUpdate(
        { version: '0.1.0', previousVersion: '0.2.0', status: 'switched', restartPending: null },
        true,
      ),
    ).toEqual([
      'Rolled back: DhyveOS 0.1.0 is the active version.',
      "DhyveOS 0.2.0 is kept: 'dlite update --rollback' switches back to it.",
      "The next 'dlite start' boots it.",
    ]);
    expect(
      describeUpdate({
        version: '0.2.0',
        previousVersion: '0.1.0',
        status: 'unchanged',
        restartPending: null,
      }),
    ).toEqual(['DhyveOS 0.2.0 is already the active version.']);
  });

  it('reports a check', () => {
    expect(
      describeCheck({
        currentVersion: '0.1.0',
        previousVersion: null,
        runningVersion: '0.1.0',
        latestVersion: '0.2.0',
        available: true,
        channelUrl: 'https://example.com/index.json',
        skipped: ['0.3.0 needs Dlite 0.2.0 or newer'],
      }),
    ).toEqual([
      'channel:  https://example.com/index.json',
      'active:   0.1.0',
      'running:  0.1.0',
      "latest:   0.2.0 — an update is available: run 'dlite update'",
      'skipped:  0.3.0 needs Dlite 0.2.0 or newer',
    ]);
  });

  it('refuses a bad version and conflicting modes before contacting anything', async () => {
    const c = capture();
    expect(await runCli(['update', '-v', 'v2'], c.io)).toBe(2);
    expect(await runCli(['update', '-v', '0.2.0', '--rollback'], c.io)).toBe(2);
    expect(c.err).toEqual([
      "dlite update: --os-version must be a release version such as 0.2.0, got 'v2'",
      'dlite update: use one of -v, --rollback and --check',
    ]);
  });
});

describe('transfer progress', () => {
  it('formats bytes, ETA and one line', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(64627155)).toBe('61.6 MiB');
    expect(formatEta(null)).toBe('—');
    expect(formatEta(185)).toBe('3 min 05 s');
    expect(formatTransfer(t('rootfs.cpio.zst', 25 * 1024 * 1024)!)).toBe(
      '25.0 MiB of 100.0 MiB (25%), 4.0 MiB/s, 20 s left',
    );
    expect(progressBar(t('x', 50 * 1024 * 1024)!, 10)).toBe(
      '[#####·····]  50%  50.0 MiB/100.0 MiB  4.0 MiB/s  ETA 20 s',
    );
  });

  it('prints steps, files and quarters as plain lines when not on a terminal', () => {
    const c = capture();
    const view = createTransferView(c.io, { tty: false });
    view.update(step('fetch-index', 1));
    for (const mib of [0, 1, 2, 30, 31]) view.update(step('download', 2, t('bzImage', mib * 1024 * 1024)));
    view.update(step('download', 2, t('rootfs.cpio.zst', 60 * 1024 * 1024)));
    view.update(step('activate', 4));
    view.done();
    expect(c.err).toEqual([
      '[1/4] fetch-index',
      '[2/4] Downloading DhyveOS 0.2.0 (bzImage)',
      '  0 B of 100.0 MiB (0%), 4.0 MiB/s, 20 s left',
      '  30.0 MiB of 100.0 MiB (30%), 4.0 MiB/s, 20 s left',
      '[2/4] Downloading DhyveOS 0.2.0 (rootfs.cpio.zst)',
      '  60.0 MiB of 100.0 MiB (60%), 4.0 MiB/s, 20 s left',
      '[4/4] activate',
    ]);
  });

  it('redraws one bar in place on a terminal', () => {
    const written: string[] = [];
    const view = createTransferView(capture().io, { tty: true, write: (s) => written.push(s) });
    view.update(step('download', 2, t('bzImage', 0)));
    view.update(step('download', 2, t('bzImage', 50 * 1024 * 1024)));
    view.done();
    expect(written.join('')).toBe(
      '[2/4] Downloading DhyveOS 0.2.0 (bzImage)  [························]   0%  0 B/100.0 MiB  4.0 MiB/s  ETA 20 s' +
        '\r\x1b[2K[2/4] Downloading DhyveOS 0.2.0 (bzImage)  [############············]  50%  50.0 MiB/100.0 MiB  4.0 MiB/s  ETA 20 s\n',
    );
  });

  it('measures the rate over recent samples, not counting resumed bytes', () => {
    let now = 0;
    const meter = new TransferMeter(10_000, () => now);
    meter.update(4_000);
    expect(meter.snapshot('f')).toEqual({
      file: 'f',
      bytes: 4_000,
      totalBytes: 10_000,
      bytesPerSecond: 0,
      etaSeconds: null,
    });
    now = 1_000;
    meter.update(5_000);
    now = 2_000;
    meter.update(6_000);
    expect(meter.snapshot('f')).toEqual({
      file: 'f',
      bytes: 6_000,
      totalBytes: 10_000,
      bytesPerSecond: 1_000,
      etaSeconds: 4,
    });
    meter.update(10_000);
    expect(meter.snapshot('f').etaSeconds).toBe(0);
  });
});
