import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { OsUpdates } from '../../../electron/core/os-image/os-updates.js';
import { readPointer } from '../../../electron/core/os-image/store.js';
import { resolvePaths, type DlitePaths } from '../../../electron/core/paths.js';
import type { ProgressDto, Settings } from '../../../electron/shared/types.js';
import { startChannelServer, type ChannelServer } from '../../fixtures/channel-server.js';
import { indexEntry, sha256, writeImage, type FakeImage } from '../../fixtures/os-image.js';
import { CAN_MOUNT_TMPFS, mountTmpfs } from '../../fixtures/tmpfs.js';
import { validSettings } from '../settings/fixtures.js';

describe('OS updates from a release channel served on 127.0.0.1', () => {
  let tmp: string;
  let channel: string;
  let server: ChannelServer;
  let paths: DlitePaths;
  let settings: Settings;
  let running: string | null;
  let entries: ReturnType<typeof indexEntry>[];
  let progress: ProgressDto[];
  let updates: OsUpdates;
  let activeSeen: (string | null)[];

  const publish = async (
    version: string,
    opts: {
      arch?: 'amd64' | 'arm64';
      initrd?: Buffer;
      edit?: (e: ReturnType<typeof indexEntry>) => void;
    } = {},
  ): Promise<FakeImage> => {
    const image = await writeImage(path.join(channel, version), version, opts);
    const e = indexEntry(image, `${version}/`);
    opts.edit?.(e);
    entries.push(e);
    await writeFile(path.join(channel, 'index.json'), JSON.stringify({ format: 1, versions: entries }));
    return image;
  };
  const service = (p: DlitePaths) =>
    new OsUpdates({
      paths: p,
      arch: 'amd64',
      dliteVersion: '0.1.0',
      loadSettings: () => Promise.resolve(settings),
      runningVersion: () => running,
      onActiveChanged: (v) => activeSeen.push(v),
      download: { retryDelayMs: 10, idleTimeoutMs: 5_000 },
    });
  const pointer = () => readPointer(paths);

  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dlite-upd-'));
    channel = path.join(tmp, 'channel');
    server = await startChannelServer(channel);
    paths = resolvePaths({ DLITE_HOME: path.join(tmp, 'home') });
    settings = validSettings(tmp, { os_channel_url: `${server.origin}/index.json` });
    running = null;
    entries = [];
    progress = [];
    activeSeen = [];
    updates = service(paths);
    updates.onProgress((p) => progress.push(p));
  });
  afterEach(async () => {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  /** Installs 0.1.0 so the failure cases have an active version to leave alone. */
  async function installFirst(): Promise<void> {
    await publish('0.1.0');
    const r = await updates.apply({});
    expect(r).toEqual({
      ok: true,
      value: { version: '0.1.0', previousVersion: null, status: 'installed', restartPending: null },
    });
  }

  /** The store after a failure: still 0.1.0, and no new version folder. */
  async function untouched(): Promise<void> {
    expect(await pointer()).toEqual({ version: '0.1.0', previous: null });
    expect((await readdir(paths.osDir)).filter((n) => !n.startsWith('.')).sort()).toEqual([
      '0.1.0',
      'current',
    ]);
    expect(await readFile(path.join(paths.osDir, '0.1.0', 'bzImage'), 'utf8')).toBe('kernel 0.1.0');
  }

  it('installs the newest release, reporting steps and bytes, rate and ETA', async () => {
    await installFirst();
    expect(progress.map((p) => p.step)).toEqual(
      expect.arrayContaining(['fetch-index', 'download', 'verify', 'activate']),
    );
    const transfers = progress.flatMap((p) => (p.transfer ? [p.transfer] : []));
    const total = entries[0]!.files.reduce((n, f) => n + f.size, 0);
    expect(transfers.at(-1)).toMatchObject({ bytes: total, totalBytes: total, etaSeconds: 0 });
    expect(progress.every((p) => p.operation === 'update' && p.max === 4)).toBe(true);
    expect(await pointer()).toEqual({ version: '0.1.0', previous: null });
    expect(activeSeen.at(-1)).toBe('0.1.0');
  });

  it('checks, updates to a newer release, keeps the previous one and rolls back', async () => {
    await installFirst();
    await publish('0.2.0');
    await publish('0.3.0', { edit: (e) => (e.minDliteVersion = '0.5.0') });
    const check = await updates.check();
    expect(check).toEqual({
      ok: true,
      value: {
        currentVersion: '0.1.0',
        previousVersion: null,
        runningVersion: null,
        latestVersion: '0.2.0',
        available: true,
        channelUrl: `${server.origin}/index.json`,
        skipped: ['0.3.0 needs Dlite 0.5.0 or newer'],
      },
    });
    running = '0.1.0';
    const r = await updates.apply({});
    expect(r).toEqual({
      ok: true,
      value: { version: '0.2.0', previousVersion: '0.1.0', status: 'installed', restartPending: '0.1.0' },
    });
    expect(await readFile(path.join(paths.osDir, '0.2.0', 'bzImage'), 'utf8')).toBe('kernel 0.2.0');
    expect((await updates.apply({})).ok && (await pointer())?.version).toBe('0.2.0');
    const back = await updates.rollback();
    expect(back).toEqual({
      ok: true,
      value: { version: '0.1.0', previousVersion: '0.2.0', status: 'switched', restartPending: null },
    });
    expect((await updates.check()).ok && activeSeen.at(-1)).toBe('0.1.0');
  });

  it('follows a pinned os_version, or the version asked for, downwards too', async () => {
    await installFirst();
    await publish('0.2.0');
    settings = { ...settings, os_version: '0.2.0' };
    expect((await updates.apply({})).ok).toBe(true);
    expect(await pointer()).toEqual({ version: '0.2.0', previous: '0.1.0' });
    const down = await updates.apply({ version: '0.1.0' });
    expect(down.ok && down.value.status).toBe('switched');
    expect(server.requests.filter((q) => q.path.startsWith('/0.1.0/'))).toHaveLength(3);
  });

  it('answers "unchanged" when the active version is the newest', async () => {
    await installFirst();
    const r = await updates.apply({});
    expect(r.ok && r.value.status).toBe('unchanged');
    const c = await updates.check();
    expect(c.ok && c.value.available).toBe(false);
  });

  it('resumes a file whose connection dropped mid-way, with a Range request', async () => {
    await installFirst();
    await publish('0.2.0', { initrd: randomBytes(2 * 1024 * 1024) });
    server.fault('/0.2.0/rootfs.cpio.zst', { dropAfter: 700_000 });
    const r = await updates.apply({});
    expect(r.ok && r.value.version).toBe('0.2.0');
    expect(server.requests.filter((q) => q.path === '/0.2.0/rootfs.cpio.zst')).toEqual([
      { path: '/0.2.0/rootfs.cpio.zst', range: null, status: 200 },
      { path: '/0.2.0/rootfs.cpio.zst', range: 'bytes=700000-', status: 206 },
    ]);
  });

  describe('each failure leaves the active version untouched and says what failed', () => {
    beforeEach(installFirst);

    it('a checksum mismatch names the file and both digests', async () => {
      const image = await publish('0.2.0', {
        edit: (e) => (e.files.find((f) => f.name === 'rootfs.cpio.zst')!.sha256 = 'e'.repeat(64)),
      });
      const actual = sha256(image.files['rootfs.cpio.zst']!);
      expect(await updates.apply({})).toEqual({
        ok: false,
        error: {
          code: 'image-digest-mismatch',
          message: `rootfs.cpio.zst: sha256 mismatch: the release index says ${'e'.repeat(64)}, the download is ${actual}`,
          details: expect.objectContaining({ file: 'rootfs.cpio.zst', expected: 'e'.repeat(64), actual }),
        },
      });
      await untouched();
    });

    it('a truncated file', async () => {
      const image = await publish('0.2.0');
      await writeFile(path.join(channel, '0.2.0', 'bzImage'), image.files['bzImage']!.subarray(0, 5));
      const r = await updates.apply({});
      expect(!r.ok && r.error).toMatchObject({
        code: 'image-digest-mismatch',
        message: `bzImage: the server has 5 bytes; the release index says ${image.files['bzImage']!.length} bytes`,
      });
      await untouched();
    });

    it('a 404', async () => {
      await publish('0.2.0');
      await rm(path.join(channel, '0.2.0', 'rootfs.cpio.zst'));
      const r = await updates.apply({});
      expect(!r.ok && r.error).toMatchObject({
        code: 'download-failed',
        message: `rootfs.cpio.zst: HTTP 404 Not Found from ${server.origin}/0.2.0/rootfs.cpio.zst`,
      });
      await untouched();
    });

    it('a malformed index', async () => {
      await writeFile(path.join(channel, 'index.json'), '{"format": 1, "versions": [ {"version": "0.2.0"');
      const r = await updates.apply({});
      expect(!r.ok && r.error.code).toBe('release-index-invalid');
      expect(!r.ok && r.error.message).toMatch(
        new RegExp(`^${server.origin}/index\\.json: not valid JSON \\(`),
      );
      await untouched();
    });

    it('an index with a bad field', async () => {
      await publish('0.2.0', { edit: (e) => ((e as { arch: string }).arch = 'riscv64') });
      const r = await updates.apply({});
      expect(!r.ok && r.error).toEqual({
        code: 'release-index-invalid',
        message: `${server.origin}/index.json: versions[1] (0.2.0).arch: must be amd64 or arm64, got "riscv64"`,
      });
      await untouched();
    });

    it('an unreachable channel, and an HTTP error on the index', async () => {
      const closed = await startChannelServer(channel);
      await closed.close();
      settings = { ...settings, os_channel_url: `${closed.origin}/index.json` };
      const r = await updates.apply({});
      expect(!r.ok && r.error).toMatchObject({
        code: 'download-failed',
        message: `Could not reach the release channel ${closed.origin}/index.json: ECONNREFUSED`,
      });
      settings = { ...settings, os_channel_url: `${server.origin}/index.json` };
      server.fault('/index.json', { status: 500 });
      const e = await updates.check();
      expect(!e.ok && e.error.message).toBe(
        `The release channel ${server.origin}/index.json answered HTTP 500 Internal Server Error`,
      );
      await untouched();
    });

    it('a version that is not published', async () => {
      const r = await updates.apply({ version: '9.9.9' });
      expect(!r.ok && r.error).toEqual({
        code: 'os-version-not-found',
        message: 'DhyveOS 9.9.9 is not in the release index (amd64 versions: 0.1.0)',
      });
      expect((await updates.apply({ version: 'nine' })).ok).toBe(false);
      await untouched();
    });

    it('a version for another arch, and a manifest that disagrees with the index', async () => {
      await publish('0.2.0', { arch: 'arm64' });
      const r = await updates.apply({ version: '0.2.0' });
      expect(!r.ok && r.error).toEqual({
        code: 'os-incompatible',
        message: 'DhyveOS 0.2.0 is published for arm64 only; this machine needs amd64',
      });
      await publish('0.3.0', { arch: 'arm64', edit: (e) => (e.arch = 'amd64') });
      const m = await updates.apply({ version: '0.3.0' });
      expect(!m.ok && m.error).toMatchObject({
        code: 'os-incompatible',
        message: `${server.origin}/index.json: manifest.json describes 0.3.0 for arm64, the release index 0.3.0 for amd64`,
      });
      await untouched();
    });

    it('a second update while one runs', async () => {
      await publish('0.2.0');
      const first = updates.apply({});
      expect(await updates.apply({})).toEqual({
        ok: false,
        error: { code: 'vm-busy', message: 'An OS update is already in progress' },
      });
      expect((await first).ok).toBe(true);
    });
  });

  it.runIf(CAN_MOUNT_TMPFS)(
    'a disk too small for the download (a 1 MiB tmpfs) is refused before writing',
    async () => {
      const small = await mountTmpfs(1024);
      try {
        paths = resolvePaths({ DLITE_HOME: small.dir });
        updates = service(paths);
        await publish('0.1.0');
        expect((await updates.apply({})).ok).toBe(true);
        await publish('0.2.0', { initrd: randomBytes(2 * 1024 * 1024) });
        const r = await updates.apply({});
        expect(!r.ok && r.error.code).toBe('disk-full');
        expect(!r.ok && r.error.message).toMatch(
          new RegExp(
            `^Not enough space in ${small.dir}/os/\\.download-0\\.2\\.0: the download needs \\d+ bytes, \\d+ are free$`,
          ),
        );
        await untouched();
      } finally {
        await small.unmount();
      }
    },
  );
});
