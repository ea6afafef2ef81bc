import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { readManifest, savedStatePaths } from '../../../electron/core/drivers/qemu/saved-state.js';
import {
  compressorFor,
  decodeCommand,
  encodeCommand,
  pickCompressor,
  searchDirs,
} from '../../../electron/core/drivers/qemu/state-codec.js';
import { resolvePaths } from '../../../electron/core/paths.js';

const run = promisify(execFile);

describe('saved VM compression', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dlite-codec-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  async function binDir(name: string, tools: string[]): Promise<string> {
    const dir = path.join(tmp, name);
    await mkdir(dir, { recursive: true });
    for (const t of tools) {
      await writeFile(path.join(dir, t), '#!/bin/sh\n', { mode: 0o755 });
    }
    return dir;
  }

  it('prefers zstd, then gzip, then none; only executables count', async () => {
    const both = await binDir('both', ['zstd', 'gzip']);
    const gz = await binDir('gz', ['gzip']);
    const plain = await binDir('plain', []);
    await writeFile(path.join(plain, 'zstd'), 'not executable');
    await chmod(path.join(plain, 'zstd'), 0o644);
    expect(await pickCompressor([both])).toEqual({ codec: 'zstd', bin: path.join(both, 'zstd') });
    expect(await pickCompressor([plain, gz])).toEqual({ codec: 'gzip', bin: path.join(gz, 'gzip') });
    expect(await pickCompressor([plain])).toEqual({ codec: 'none', bin: null });
    expect(await compressorFor('zstd', [gz])).toBeNull();
    expect(await compressorFor('none', [])).toEqual({ codec: 'none', bin: null });
    expect(searchDirs(`relative:/x/bin`)[0]).toBe('/x/bin');
  });

  it('quotes paths for the shell QEMU runs exec: targets with', () => {
    const c = { codec: 'zstd', bin: '/opt/my tools/zstd' } as const;
    expect(encodeCommand(c, "/h/it's.state")).toBe(`'/opt/my tools/zstd' -q -1 -T0 > '/h/it'\\''s.state'`);
    expect(decodeCommand(c, "/h/it's.state")).toBe(`'/opt/my tools/zstd' -dcq '/h/it'\\''s.state'`);
    expect(decodeCommand({ codec: 'none', bin: null }, '/h/s')).toBe(`cat '/h/s'`);
  });

  it.each(['zstd', 'gzip'] as const)('a stream survives %s both ways and gets smaller', async (codec) => {
    const c = await compressorFor(codec);
    if (!c) throw new Error(`${codec} is not installed on this machine (build/up.sh installs it)`);
    const file = path.join(tmp, `state.${codec}`);
    // Half zeros, half repeated text: like guest RAM, compressible.
    const input = Buffer.concat([Buffer.alloc(4 << 20), Buffer.from('dockerd '.repeat(1 << 19))]);
    await writeFile(path.join(tmp, 'in'), input);
    await run('sh', ['-c', `${encodeCommand(c, file)} < '${path.join(tmp, 'in')}'`]);
    expect((await stat(file)).size).toBeLessThan(input.length / 10);
    const out = await run('sh', ['-c', decodeCommand(c, file)], { encoding: 'buffer', maxBuffer: 64 << 20 });
    expect(Buffer.compare(out.stdout, input)).toBe(0);
  });

  it('reads a manifest written before compression as an uncompressed state', async () => {
    const paths = resolvePaths({ DLITE_HOME: path.join(tmp, 'home') });
    await mkdir(paths.suspendDir, { recursive: true });
    const legacy = {
      version: 1,
      savedAt: '2026-11-30T00:00:00.000Z',
      fingerprint: 'f',
      disk: { size: 1, mtimeMs: 2, ino: 3 },
      sshPort: 40022,
      virtiofs: true,
    };
    const file = savedStatePaths(paths).manifest;
    await writeFile(file, JSON.stringify(legacy));
    expect((await readManifest(paths))?.codec).toBe('none');
    await writeFile(file, JSON.stringify({ ...legacy, codec: 'brotli' }));
    expect(await readManifest(paths)).toBeNull();
    expect(JSON.parse(await readFile(file, 'utf8')).codec).toBe('brotli');
  });
});
