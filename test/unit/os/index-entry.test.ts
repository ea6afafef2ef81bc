import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { parseReleaseIndex } from '../../../electron/core/os-image/release-index.js';
import { readPointer } from '../../../electron/core/os-image/store.js';
import { installRelease } from '../../../electron/core/os-image/updater.js';
import { resolvePaths } from '../../../electron/core/paths.js';
import { startChannelServer } from '../../fixtures/channel-server.js';
import { sha256, writeImage } from '../../fixtures/os-image.js';

const SCRIPT = path.resolve(import.meta.dirname, '../../../build/os/index-entry.mjs');
const run = promisify(execFile);
const indexEntry = (...args: string[]) =>
  run(process.execPath, [SCRIPT, ...args], { env: { ...process.env, DLITE_OS_MIN_DLITE: '' } });

describe('build/os/index-entry.mjs', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dlite-idx-'));
  });
  afterEach(() => rm(tmp, { recursive: true, force: true }));

  it("writes a one-build index next to a build's output, files relative to it", async () => {
    const image = await writeImage(path.join(tmp, 'amd64'), '0.1.0');
    await indexEntry(path.join(tmp, 'amd64'), '--min-dlite', '0.1.0');
    const index = parseReleaseIndex(await readFile(path.join(tmp, 'amd64', 'index.json'), 'utf8'));
    expect(index.versions).toEqual([
      {
        version: '0.1.0',
        arch: 'amd64',
        minDliteVersion: '0.1.0',
        files: ['bzImage', 'rootfs.cpio.zst', 'manifest.json'].map((name) => ({
          name,
          url: name,
          size: image.files[name]!.length,
          sha256: sha256(image.files[name]!),
        })),
      },
    ]);
  });

  it("takes package.json's version as the minimum Dlite by default", async () => {
    const pkg = JSON.parse(
      await readFile(path.resolve(import.meta.dirname, '../../../package.json'), 'utf8'),
    ) as {
      version: string;
    };
    await writeImage(path.join(tmp, 'b'), '0.1.0');
    await indexEntry(path.join(tmp, 'b'));
    const index = parseReleaseIndex(await readFile(path.join(tmp, 'b', 'index.json'), 'utf8'));
    expect(index.versions[0]?.minDliteVersion).toBe(pkg.version);
  });

  it('refuses a build whose files do not match its manifest', async () => {
    await writeImage(path.join(tmp, 'bad'), '0.1.0');
    await writeFile(path.join(tmp, 'bad', 'bzImage'), 'changed after the build');
    await expect(indexEntry(path.join(tmp, 'bad'))).rejects.toMatchObject({
      stderr: expect.stringContaining('bzImage does not match manifest.json'),
    });
  });

  it('merges a folder of builds into a channel that installs', async () => {
    const channel = path.join(tmp, 'channel');
    await writeImage(path.join(channel, '0.1.0', 'amd64'), '0.1.0');
    await writeImage(path.join(channel, '0.2.0', 'amd64'), '0.2.0');
    await writeImage(path.join(channel, '0.2.0', 'arm64'), '0.2.0', { arch: 'arm64' });
    for (const dir of ['0.1.0/amd64', '0.2.0/amd64', '0.2.0/arm64']) {
      await indexEntry(path.join(channel, dir), '--min-dlite', '0.1.0');
    }
    await indexEntry('--merge', channel);
    const index = parseReleaseIndex(await readFile(path.join(channel, 'index.json'), 'utf8'));
    expect(index.versions.map((v) => `${v.version}/${v.arch}`)).toEqual([
      '0.2.0/amd64',
      '0.2.0/arm64',
      '0.1.0/amd64',
    ]);
    expect(index.versions[0]?.files[0]?.url).toBe('0.2.0/amd64/bzImage');

    const server = await startChannelServer(channel);
    try {
      const paths = resolvePaths({ DLITE_HOME: path.join(tmp, 'home') });
      const r = await installRelease(`${server.origin}/index.json`, 'latest', {
        paths,
        arch: 'amd64',
        dliteVersion: '0.1.0',
        operation: 'install',
      });
      expect(r).toMatchObject({ version: '0.2.0', status: 'installed' });
      expect(await readPointer(paths)).toEqual({ version: '0.2.0', previous: null });
    } finally {
      await server.close();
    }
  });
});
