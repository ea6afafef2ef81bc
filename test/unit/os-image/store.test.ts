import { mkdir, mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  imageSourceCandidates,
  installFromCandidates,
  installImageFrom,
} from '../../../electron/core/os-image/local-install.js';
import { parseManifest } from '../../../electron/core/os-image/manifest.js';
import {
  activate,
  activeImages,
  compareVersions,
  locateInstalledImage,
  prune,
  readPointer,
  rollback,
} from '../../../electron/core/os-image/store.js';
import { resolvePaths, type DlitePaths } from '../../../electron/core/paths.js';
import { writeImage } from '../../fixtures/os-image.js';

describe('OS image store', () => {
  let tmp: string;
  let paths: DlitePaths;
  beforeEach(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'dlite-os-'));
    paths = resolvePaths({ DLITE_HOME: path.join(tmp, 'home') });
  });
  afterEach(() => rm(tmp, { recursive: true, force: true }));

  const install = async (version: string, kernel?: string) => {
    await writeImage(path.join(tmp, `src-${version}-${kernel ?? ''}`), version, kernel ? { kernel } : {});
    return installImageFrom(paths, path.join(tmp, `src-${version}-${kernel ?? ''}`), 'amd64');
  };
  const active = async () => (await activeImages(paths, 'amd64')).active?.manifest.version ?? null;

  it('installs a verified local build as os/<version> and makes it active; again is cached', async () => {
    const first = await install('0.1.0');
    expect(first.status).toBe('installed');
    expect(first.image.dir).toBe(path.join(paths.osDir, '0.1.0'));
    expect(await readFile(first.image.kernelPath, 'utf8')).toBe('kernel 0.1.0');
    expect(await readPointer(paths)).toEqual({ version: '0.1.0', previous: null });
    const again = await install('0.1.0');
    expect(again.status).toBe('cached');
    expect((await locateInstalledImage(paths, 'amd64')).dir).toBe(path.join(paths.osDir, '0.1.0'));
  });

  it('refuses an image whose file does not match its sha256, leaving the store as it was', async () => {
    await install('0.1.0');
    await writeImage(path.join(tmp, 'bad'), '0.2.0');
    await writeFile(path.join(tmp, 'bad', 'bzImage'), 'kernel 0.2.X');
    await expect(installImageFrom(paths, path.join(tmp, 'bad'), 'amd64')).rejects.toThrow(
      /bzImage does not match the sha256/,
    );
    expect((await readdir(paths.osDir)).sort()).toEqual(['0.1.0', 'current']);
    expect(await active()).toBe('0.1.0');
  });

  it('refuses a local build for another arch', async () => {
    await writeImage(path.join(tmp, 'arm'), '0.1.0', { arch: 'arm64' });
    await expect(installImageFrom(paths, path.join(tmp, 'arm'), 'amd64')).rejects.toMatchObject({
      code: 'os-incompatible',
      message: `The OS image in ${path.join(tmp, 'arm')} is for arm64; this machine needs amd64`,
    });
  });

  it('switches versions with the pointer, keeps the previous one and removes older ones', async () => {
    await install('0.1.0');
    await install('0.2.0');
    expect(await readPointer(paths)).toEqual({ version: '0.2.0', previous: '0.1.0' });
    await install('0.3.0');
    expect(await readPointer(paths)).toEqual({ version: '0.3.0', previous: '0.2.0' });
    expect((await readdir(paths.osDir)).sort()).toEqual(['0.2.0', '0.3.0', 'current']);
  });

  it('rolls back to the previous version and forth again', async () => {
    await install('0.1.0');
    await install('0.2.0');
    expect(await rollback(paths, 'amd64')).toEqual({ version: '0.1.0', previous: '0.2.0', changed: true });
    expect((await locateInstalledImage(paths, 'amd64')).manifest.version).toBe('0.1.0');
    expect(await rollback(paths, 'amd64')).toEqual({ version: '0.2.0', previous: '0.1.0', changed: true });
    expect(await active()).toBe('0.2.0');
  });

  it('says there is nothing to roll back to when only one version is installed', async () => {
    await install('0.1.0');
    await expect(rollback(paths, 'amd64')).rejects.toMatchObject({
      code: 'os-version-not-found',
      message: 'No previous DhyveOS version to roll back to (0.1.0 is the only one installed)',
    });
    expect(await active()).toBe('0.1.0');
  });

  it('never prunes a version a running VM uses', async () => {
    await install('0.1.0');
    await install('0.2.0');
    await writeImage(path.join(tmp, 'c'), '0.3.0');
    await installImageFrom(paths, path.join(tmp, 'c'), 'amd64', ['0.1.0']);
    expect((await readdir(paths.osDir)).sort()).toEqual(['0.1.0', '0.2.0', '0.3.0', 'current']);
    await activate(paths, 'amd64', '0.3.0');
    expect((await readdir(paths.osDir)).sort()).toEqual(['0.2.0', '0.3.0', 'current']);
  });

  it('replaces a rebuilt local image of the same version', async () => {
    await install('0.1.0');
    const rebuilt = await install('0.1.0', 'kernel rebuilt');
    expect(rebuilt.status).toBe('installed');
    expect(await readFile(path.join(paths.osDir, '0.1.0', 'bzImage'), 'utf8')).toBe('kernel rebuilt');
    expect((await readdir(paths.osDir)).sort()).toEqual(['0.1.0', 'current']);
  });

  it('reads a store without a pointer, or with an unreadable one, as its newest version', async () => {
    await writeImage(path.join(paths.osDir, '0.9.0-amd64'), '0.9.0');
    await writeImage(path.join(paths.osDir, '0.10.0-amd64'), '0.10.0');
    expect(await active()).toBe('0.10.0');
    await writeFile(path.join(paths.osDir, 'current'), '{ not json');
    expect(await active()).toBe('0.10.0');
    expect((await locateInstalledImage(paths, 'amd64', '0.9.0')).dir).toBe(
      path.join(paths.osDir, '0.9.0-amd64'),
    );
    await expect(locateInstalledImage(paths, 'arm64')).rejects.toThrow(/No DhyveOS image for arm64/);
    expect(compareVersions('0.10.0', '0.9.1')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0-rc.1', '1.0.0')).toBeLessThan(0);
  });

  it('ignores a pointer naming a version that is gone', async () => {
    await install('0.1.0');
    await writeFile(
      path.join(paths.osDir, 'current'),
      JSON.stringify({ version: '9.9.9', previous: '0.1.0' }),
    );
    expect(await active()).toBe('0.1.0');
  });

  it('prunes stale working folders but keeps a recent partial download', async () => {
    await install('0.1.0');
    await mkdir(path.join(paths.osDir, '.download-0.2.0'));
    await writeFile(path.join(paths.osDir, '.download-0.2.0', 'bzImage.partial'), 'half');
    await mkdir(path.join(paths.osDir, '.incoming-old'));
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await utimes(path.join(paths.osDir, '.incoming-old'), old, old);
    await prune(paths, 'amd64', new Set(['0.1.0']));
    expect((await readdir(paths.osDir)).sort()).toEqual(['.download-0.2.0', '0.1.0', 'current']);
  });

  it('leaves images of another arch alone', async () => {
    await writeImage(path.join(paths.osDir, '0.1.0-arm64'), '0.1.0', { arch: 'arm64' });
    await install('0.1.0');
    await install('0.2.0');
    await install('0.3.0');
    expect((await readdir(paths.osDir)).sort()).toEqual(['0.1.0-arm64', '0.2.0', '0.3.0', 'current']);
  });

  it('orders versions by semver: a release candidate comes before its release', () => {
    const sorted = ['0.2.0', '0.2.0-rc.1', '0.10.0', '0.2.0-rc.10', '0.2.0-rc.2', '0.1.9'].sort(
      compareVersions,
    );
    expect(sorted).toEqual(['0.1.9', '0.2.0-rc.1', '0.2.0-rc.2', '0.2.0-rc.10', '0.2.0', '0.10.0']);
    expect(compareVersions('2024.1', '2024.10')).toBeLessThan(0);
  });

  it('says where it looked when no candidate holds an image', async () => {
    await expect(installFromCandidates(paths, [path.join(tmp, 'nowhere')], 'amd64')).rejects.toThrow(
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
