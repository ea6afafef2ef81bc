import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { downloadFile, type DownloadTarget } from '../../../electron/core/os-image/download.js';
import { startChannelServer, type ChannelServer } from '../../fixtures/channel-server.js';
import { sha256 } from '../../fixtures/os-image.js';
import { CAN_MOUNT_TMPFS, mountTmpfs } from '../../fixtures/tmpfs.js';

const FAST = { retryDelayMs: 10, idleTimeoutMs: 5_000 };

describe('downloadFile against a real HTTP server', () => {
  let tmp: string;
  let server: ChannelServer;
  const body = randomBytes(3 * 1024 * 1024 + 17);

  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dlite-dl-'));
    await writeFile(path.join(tmp, 'rootfs.cpio.zst'), body);
    server = await startChannelServer(tmp);
  });
  afterEach(async () => {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const target = (over: Partial<DownloadTarget> = {}): DownloadTarget => ({
    url: `${server.origin}/rootfs.cpio.zst`,
    name: 'rootfs.cpio.zst',
    size: body.length,
    sha256: sha256(body),
    dest: path.join(tmp, 'out.bin'),
    ...over,
  });

  it('downloads, verifies and only then renames onto the final path', async () => {
    const seen: number[] = [];
    const r = await downloadFile(target(), { ...FAST, onBytes: (b) => seen.push(b) });
    expect(r).toEqual({ status: 'downloaded', resumedAt: [] });
    expect((await readFile(path.join(tmp, 'out.bin'))).equals(body)).toBe(true);
    expect(existsSync(path.join(tmp, 'out.bin.partial'))).toBe(false);
    expect(seen.at(-1)).toBe(body.length);
    expect((await downloadFile(target(), FAST)).status).toBe('cached');
    expect(server.requests).toHaveLength(1);
  });

  it('names the file and both digests on a checksum mismatch, and keeps nothing', async () => {
    const wrong = 'f'.repeat(64);
    await expect(downloadFile(target({ sha256: wrong }), FAST)).rejects.toMatchObject({
      code: 'image-digest-mismatch',
      message: `rootfs.cpio.zst: sha256 mismatch: the release index says ${wrong}, the download is ${sha256(body)}`,
      details: { file: 'rootfs.cpio.zst', expected: wrong, actual: sha256(body) },
    });
    expect(await readdir(tmp)).toEqual(['rootfs.cpio.zst']);
  });

  it('refuses a truncated file on the server by its size', async () => {
    await writeFile(path.join(tmp, 'rootfs.cpio.zst'), body.subarray(0, 1000));
    await expect(downloadFile(target(), FAST)).rejects.toMatchObject({
      code: 'image-digest-mismatch',
      message: `rootfs.cpio.zst: the server has 1000 bytes; the release index says ${body.length} bytes`,
    });
    expect(existsSync(path.join(tmp, 'out.bin'))).toBe(false);
    expect(existsSync(path.join(tmp, 'out.bin.partial'))).toBe(false);
  });

  it('resumes with a Range request when the server drops the connection mid-file', async () => {
    const cut = 1024 * 1024;
    server.fault('/rootfs.cpio.zst', { dropAfter: cut });
    const r = await downloadFile(target(), FAST);
    expect(r.status).toBe('downloaded');
    expect(r.resumedAt).toEqual([cut]);
    expect(server.requests.map((q) => [q.range, q.status])).toEqual([
      [null, 200],
      [`bytes=${cut}-`, 206],
    ]);
    expect((await readFile(path.join(tmp, 'out.bin'))).equals(body)).toBe(true);
  });

  it('keeps the bytes of a failed run and resumes them in the next one', async () => {
    const cut = 512 * 1024;
    server.fault('/rootfs.cpio.zst', { dropAfter: cut });
    await expect(downloadFile(target(), { ...FAST, retries: 0 })).rejects.toMatchObject({
      code: 'download-failed',
      message: expect.stringMatching(
        new RegExp(
          `^rootfs\\.cpio\\.zst: .*\\(from http://127\\.0\\.0\\.1:\\d+/rootfs\\.cpio\\.zst; ${cut} of ${body.length} bytes kept, run it again to resume\\)$`,
        ),
      ),
    });
    expect((await stat(path.join(tmp, 'out.bin.partial'))).size).toBe(cut);
    const r = await downloadFile(target(), FAST);
    expect(r.resumedAt).toEqual([cut]);
    expect(server.requests.at(-1)).toEqual({ path: '/rootfs.cpio.zst', range: `bytes=${cut}-`, status: 206 });
    expect((await readFile(path.join(tmp, 'out.bin'))).equals(body)).toBe(true);
  });

  it('starts over when a server ignores Range, and when a kept partial holds other bytes', async () => {
    await writeFile(path.join(tmp, 'out.bin.partial'), randomBytes(4096));
    server.fault('/rootfs.cpio.zst', { ignoreRange: true });
    expect((await downloadFile(target(), FAST)).status).toBe('downloaded');
    expect((await readFile(path.join(tmp, 'out.bin'))).equals(body)).toBe(true);

    await rm(path.join(tmp, 'out.bin'));
    await writeFile(path.join(tmp, 'out.bin.partial'), randomBytes(4096));
    expect((await downloadFile(target(), FAST)).status).toBe('downloaded');
    expect((await readFile(path.join(tmp, 'out.bin'))).equals(body)).toBe(true);
    expect(server.requests.map((q) => q.range)).toEqual(['bytes=4096-', 'bytes=4096-', null]);
  });

  it('reports a 404 with the URL, at once', async () => {
    await expect(downloadFile(target({ url: `${server.origin}/nope/bzImage` }), FAST)).rejects.toMatchObject({
      code: 'download-failed',
      message: `rootfs.cpio.zst: HTTP 404 Not Found from ${server.origin}/nope/bzImage`,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a 503 and succeeds', async () => {
    server.fault('/rootfs.cpio.zst', { status: 503 });
    expect((await downloadFile(target(), FAST)).status).toBe('downloaded');
    expect(server.requests.map((q) => q.status)).toEqual([503, 200]);
  });

  it('says the server is unreachable', async () => {
    await server.close();
    await expect(downloadFile(target(), { ...FAST, retries: 1 })).rejects.toMatchObject({
      code: 'download-failed',
      message: expect.stringContaining('rootfs.cpio.zst: ECONNREFUSED (from http://127.0.0.1:'),
    });
    server = await startChannelServer(tmp);
  });

  it('resumes after a stall longer than the idle timeout', async () => {
    let release!: () => void;
    const resume = new Promise<void>((r) => (release = r));
    server.fault('/rootfs.cpio.zst', { pauseAfter: 100_000, resume });
    const r = await downloadFile(target(), { retryDelayMs: 10, idleTimeoutMs: 300 });
    release();
    expect(r.resumedAt).toEqual([100_000]);
    expect(server.requests.at(-1)).toEqual({ path: '/rootfs.cpio.zst', range: 'bytes=100000-', status: 206 });
    expect((await readFile(path.join(tmp, 'out.bin'))).equals(body)).toBe(true);
  });

  it.runIf(CAN_MOUNT_TMPFS)('says the disk is full and frees what it wrote (a 1 MiB tmpfs)', async () => {
    const small = await mountTmpfs(1024);
    try {
      const dest = path.join(small.dir, 'rootfs.cpio.zst');
      await expect(downloadFile(target({ dest }), FAST)).rejects.toMatchObject({
        code: 'disk-full',
        message: `Disk full while writing ${dest}.partial (ENOSPC)`,
      });
      expect(await readdir(small.dir)).toEqual([]);
    } finally {
      await small.unmount();
    }
  });
});
