import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DiskError, diskInfo, ensureDisk, GIB } from '../../../electron/core/vm/disk.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'dlite-disk-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ensureDisk', () => {
  it('creates a sparse image of the requested size, mode 0600', async () => {
    const file = path.join(dir, 'disk.img');
    expect(await ensureDisk(file, 20)).toEqual({ action: 'created', bytes: 20 * GIB });
    const info = await diskInfo(file);
    expect(info.bytes).toBe(20 * GIB);
    expect(info.allocatedBytes).toBeLessThan(1024 * 1024);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('is idempotent and grows without touching contents', async () => {
    const file = path.join(dir, 'disk.img');
    await writeFile(file, 'guest data');
    expect(await ensureDisk(file, 1)).toEqual({ action: 'grown', bytes: GIB });
    expect(await ensureDisk(file, 1)).toEqual({ action: 'unchanged', bytes: GIB });
    expect(await ensureDisk(file, 3)).toEqual({ action: 'grown', bytes: 3 * GIB });
    const fh = await open(file, 'r');
    const head = Buffer.alloc(10);
    await fh.read(head, 0, 10, 0);
    await fh.close();
    expect(head.toString()).toBe('guest data');
  });

  it('refuses to shrink, naming both sizes', async () => {
    const file = path.join(dir, 'disk.img');
    await ensureDisk(file, 4);
    const e: unknown = await ensureDisk(file, 2).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DiskError);
    expect((e as DiskError).code).toBe('disk-shrink-refused');
    expect((e as DiskError).message).toBe(
      'disk.img is 4 GiB; refusing to shrink it to 2 GiB (set disk_size to at least 4)',
    );
    expect((e as DiskError).toDto().details).toEqual({ field: 'disk_size', file });
    expect((await diskInfo(file)).bytes).toBe(4 * GIB);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects size %s', async (size) => {
    await expect(ensureDisk(path.join(dir, 'x.img'), size)).rejects.toMatchObject({
      code: 'invalid-argument',
    });
  });

  it('diskInfo rejects a missing file', async () => {
    await expect(diskInfo(path.join(dir, 'missing.img'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
