import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { parseManifest } from '../../../electron/core/os-image/manifest.js';
import {
  compareVersions,
  installFromCandidates,
  imageSourceCandidates,
  installImageFrom,
  locateInstalledImage,
} from '../../../electron/core/os-image/store.js';
import { resolvePaths, type DlitePaths } from '../../../electron/core/paths.js';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Writes an image folder the way build/os/build.sh lays it out. */
async function makeImage(dir: string, version: string, kernel = 'kernel-bytes', initrd = 'initrd-bytes') {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'bzImage'), kernel);
  await writeFile(path.join(dir, 'rootfs.cpio.zst'), initrd);
  const manifest = {
    name: 'dlite-os',
    version,
    arch: 'amd64',
    kernelVersion: '6.1.0-test',
    dockerVersion: '20.10.24',
    boot: { kernel: 'bzImage', initrd: 'rootfs.cpio.zst', console: 'ttyS0', compression: 'zstd' },
    files: {
      bzImage: { size: Buffer.byteLength(kernel), sha256: sha(kernel) },
      'rootfs.cpio.zst': { size: Buffer.byteLength(initrd), sha256: sha(initrd) },
    },
  };
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

describe('OS image store', () => {
  let tmp: string;
  let paths: DlitePaths;
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dlite-os-'));
    paths = resolvePaths({ DLITE_HOME: path.join(tmp, 'home') });
  });
  afterEach(() => rm(tmp, { recursive: true, force: true }));

  it('installs a verified image and finds it again; a second install is cached', async () => {
    await makeImage(path.join(tmp, 'src'), '0.1.0');
    const first = await installImageFrom(paths, path.join(tmp, 'src'));
    expect(first.status).toBe('installed');
    expect(await readFile(first.image.kernelPath, 'utf8')).toBe('kernel-bytes');
    const again = await installImageFrom(paths, path.join(tmp, 'src'));
    expect(again.status).toBe('cached');
    const located = await locateInstalledImage(paths, 'amd64');
    expect(located.dir).toBe(path.join(paths.osDir, '0.1.0-amd64'));
  });

  it('refuses an image whose file does not match its sha256, leaving nothing behind', async () => {
    await makeImage(path.join(tmp, 'src'), '0.1.0');
    await writeFile(path.join(tmp, 'src', 'bzImage'), 'kernel-bytez');
    await expect(installImageFrom(paths, path.join(tmp, 'src'))).rejects.toThrow(
      /bzImage does not match the sha256/,
    );
    expect(await readdir(paths.osDir).catch(() => [])).toEqual([]);
  });

  it('picks the newest installed version unless one is asked for', async () => {
    await makeImage(path.join(tmp, 'a'), '0.9.0');
    await makeImage(path.join(tmp, 'b'), '0.10.0', 'k2', 'i2');
    await installImageFrom(paths, path.join(tmp, 'a'));
    await installImageFrom(paths, path.join(tmp, 'b'));
    expect((await locateInstalledImage(paths, 'amd64')).manifest.version).toBe('0.10.0');
    expect((await locateInstalledImage(paths, 'amd64', '0.9.0')).manifest.version).toBe('0.9.0');
    await expect(locateInstalledImage(paths, 'arm64')).rejects.toThrow(/No DhyveOS image for arm64/);
    expect(compareVersions('0.10.0', '0.9.1')).toBeGreaterThan(0);
  });

  it('orders versions by semver: a release candidate comes before its release', () => {
    const sorted = ['0.2.0', '0.2.0-rc.1', '0.10.0', '0.2.0-rc.10', '0.2.0-rc.2', '0.1.9'].sort(
      compareVersions,
    );
    expect(sorted).toEqual(['0.1.9', '0.2.0-rc.1', '0.2.0-rc.2', '0.2.0-rc.10', '0.2.0', '0.10.0']);
    expect(compareVersions('2024.1', '2024.10')).toBeLessThan(0);
  });

  it('says where it looked when no candidate holds an image', async () => {
    await expect(installFromCandidates(paths, [path.join(tmp, 'nowhere')])).rejects.toThrow(
      `No DhyveOS image found (looked in ${path.join(tmp, 'nowhere')})`,
    );
  });

  it('rejects manifests with path traversal or missing fields, naming the field', () => {
    const good = {
      name: 'n',
      version: '1',
      arch: 'amd64',
      kernelVersion: 'k',
      dockerVersion: 'd',
      boot: { kernel: 'k', initrd: 'i', console: 'ttyS0' },
      files: { k: { size: 1, sha256: 'a'.repeat(64) }, i: { size: 1, sha256: 'b'.repeat(64) } },
    };
    expect(parseManifest(JSON.stringify(good)).boot.kernel).toBe('k');
    expect(() =>
      parseManifest(
        JSON.stringify({ ...good, files: { '../etc/passwd': { size: 1, sha256: 'a'.repeat(64) } } }),
      ),
    ).toThrow("file name '../etc/passwd' is not allowed");
    expect(() => parseManifest(JSON.stringify({ ...good, arch: undefined }))).toThrow("missing field 'arch'");
    expect(() => parseManifest('{')).toThrow('not valid JSON');
  });

  it('searches only the folder the user named, else the bundle and the build output', () => {
    expect(imageSourceCandidates({ DLITE_OS_IMAGE: '/img' }, 'amd64')).toEqual(['/img']);
    expect(imageSourceCandidates({}, 'amd64', '/flag')).toEqual(['/flag']);
    const defaults = imageSourceCandidates({}, 'arm64');
    expect(defaults.some((d) => d.endsWith(path.join('build', 'os', 'out', 'arm64')))).toBe(true);
    expect(defaults.some((d) => d.endsWith(path.join('resources', 'os', 'arm64')))).toBe(true);
  });
});
